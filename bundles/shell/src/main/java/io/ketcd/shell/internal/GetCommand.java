package io.ketcd.shell.internal;

import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.mvccpb.KeyValue;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code etcdctl get}: each key's line and value's line, in key order. {@code --count-only}
 * prints the count alone (etcdctl 3.5 shows it only in {@code -w fields}; 3.4 lacks the flag).
 */
@Service
@Command(scope = "etcd", name = "get", description = "Gets the key or a range of keys [key, range_end)")
public class GetCommand extends KeyRangeCommand {
    @Option(name = "--rev", description = "Specify the kv revision")
    long rev;

    @Option(name = "--limit", description = "Maximum number of results")
    long limit;

    @Option(name = "--keys-only", description = "Get only the keys")
    boolean keysOnly;

    @Option(name = "--count-only", description = "Get only the count")
    boolean countOnly;

    @Option(name = "--print-value-only", description = "Only write values")
    boolean printValueOnly;

    @Override
    public Object execute() throws Exception {
        if (keysOnly && countOnly) {
            throw new IllegalArgumentException("`--keys-only` and `--count-only` cannot be set at the same time, choose one");
        }
        KeyRange range = keyRange();
        RangeResponse response = await(kv.range(RangeRequest.newBuilder()
                .setKey(range.key())
                .setRangeEnd(range.end())
                .setRevision(Math.max(rev, 0))
                .setLimit(limit)
                .setKeysOnly(keysOnly)
                .setCountOnly(countOnly)
                .build()));
        if (countOnly) {
            line(out(), Long.toString(response.getCount()));
            return null;
        }
        for (KeyValue kv : response.getKvsList()) {
            printKv(kv, printValueOnly);
        }
        return null;
    }
}
