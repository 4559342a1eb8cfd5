package io.ketcd.shell.internal;

import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.mvccpb.KeyValue;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code etcdctl del}: the number of deleted keys, then with {@code --prev-kv} each deleted key and value. */
@Service
@Command(scope = "etcd", name = "del", description = "Removes the specified key or range of keys [key, range_end)")
public class DelCommand extends KeyRangeCommand {
    @Option(name = "--prev-kv", description = "Return deleted key-value pairs")
    boolean prevKv;

    @Override
    public Object execute() throws Exception {
        KeyRange range = keyRange();
        DeleteRangeResponse response = await(kv.deleteRange(DeleteRangeRequest.newBuilder()
                .setKey(range.key())
                .setRangeEnd(range.end())
                .setPrevKv(prevKv)
                .build()));
        line(out(), Long.toString(response.getDeleted()));
        for (KeyValue kv : response.getPrevKvsList()) {
            printKv(kv, false);
        }
        return null;
    }
}
