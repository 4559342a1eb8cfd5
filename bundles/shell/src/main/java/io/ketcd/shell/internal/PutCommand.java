package io.ketcd.shell.internal;

import com.google.protobuf.ByteString;

import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code etcdctl put}: prints {@code OK}, then with {@code --prev-kv} the previous key and value. */
@Service
@Command(scope = "etcd", name = "put", description = "Puts the given key into the store")
public class PutCommand extends KvCommand {
    @Argument(index = 0, name = "key", description = "The key", required = true)
    String key;

    @Argument(index = 1, name = "value", description = "The value", required = true)
    String value;

    @Option(name = "--prev-kv", description = "Return the previous key-value pair before modification")
    boolean prevKv;

    @Override
    public Object execute() throws Exception {
        PutResponse response = await(kv.put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8(value))
                .setPrevKv(prevKv)
                .build()));
        line(out(), "OK");
        if (response.hasPrevKv()) {
            printKv(response.getPrevKv(), false);
        }
        return null;
    }
}
