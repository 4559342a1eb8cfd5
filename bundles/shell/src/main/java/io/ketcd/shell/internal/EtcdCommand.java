package io.ketcd.shell.internal;

import io.ketcd.proto.mvccpb.KeyValue;

import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.karaf.shell.api.action.Action;

/** What every {@code etcd:*} command shares: the wait and the output; each command references the facets it uses. */
abstract class EtcdCommand implements Action {
    /** etcdctl's {@code --command-timeout} default. */
    static final long COMMAND_TIMEOUT_MILLIS = 5000;

    /** How long a command waits for the server; etcdctl's default unless a test shortens it. */
    long timeoutMillis = COMMAND_TIMEOUT_MILLIS;

    /** Where the command prints; null means {@code System.out} (which Karaf points at the session). */
    PrintStream out;

    PrintStream out() {
        return out != null ? out : System.out;
    }

    /**
     * The response, or the request's failure as thrown by the server: an
     * {@link io.ketcd.api.EtcdException} surfaces with etcd's message. Waiting longer than
     * etcdctl's command timeout fails with etcdctl's {@code context deadline exceeded}.
     */
    <T> T await(CompletableFuture<T> response) throws Exception {
        try {
            return response.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw e;
        } catch (TimeoutException e) {
            response.cancel(false);
            throw new TimeoutException("context deadline exceeded");
        }
    }

    /** etcdctl's {@code printKV}: the key's line (unless value-only), then the value's; raw bytes. */
    void printKv(KeyValue kv, boolean valueOnly) {
        PrintStream o = out();
        if (!valueOnly) {
            line(o, kv.getKey().toByteArray());
        }
        line(o, kv.getValue().toByteArray());
    }

    /** One line as Go's {@code fmt.Println} writes it: the bytes, then {@code \n}. */
    static void line(PrintStream o, byte[] bytes) {
        o.write(bytes, 0, bytes.length);
        o.write('\n');
        o.flush();
    }

    static void line(PrintStream o, String text) {
        line(o, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
