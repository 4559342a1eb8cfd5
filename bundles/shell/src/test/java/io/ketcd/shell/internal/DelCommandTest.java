package io.ketcd.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.testing.fakes.Answer;
import io.ketcd.testing.fakes.FakeKv;

import org.junit.jupiter.api.Test;

/** Expected output is etcdctl 3.4.23's against etcd 3.4.23. */
class DelCommandTest {
    private final FakeKv etcd = new FakeKv();

    private DeleteRangeRequest sent() {
        return etcd.requests.only(DeleteRangeRequest.class);
    }

    @Test
    void delPrintsTheDeletedCount() throws Exception {
        etcd.deleteRange = Answer.with(DeleteRangeResponse.newBuilder().setDeleted(1).build());
        assertThat(Shell.run(new DelCommand(), etcd, "foo")).isEqualTo("1\n");
        assertThat(sent()).isEqualTo(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("foo")).build());
    }

    @Test
    void nothingDeletedPrintsZero() throws Exception {
        assertThat(Shell.run(new DelCommand(), etcd, "nope")).isEqualTo("0\n");
    }

    @Test
    void prevKvPrintsEachDeletedPairAfterTheCount() throws Exception {
        etcd.deleteRange = Answer.with(DeleteRangeResponse.newBuilder().setDeleted(2)
                .addPrevKvs(kv("foo", "baz")).addPrevKvs(kv("foo2", "v2")).build());
        assertThat(Shell.run(new DelCommand(), etcd, "--prev-kv", "--prefix", "foo"))
                .isEqualTo("2\nfoo\nbaz\nfoo2\nv2\n");
        assertThat(sent().getPrevKv()).isTrue();
        assertThat(sent().getRangeEnd().toStringUtf8()).isEqualTo("fop");
    }

    @Test
    void rangeAndFromKeyShareGetsRules() throws Exception {
        Shell.run(new DelCommand(), etcd, "a", "b");
        assertThat(sent().getRangeEnd().toStringUtf8()).isEqualTo("b");
        etcd.requests.clear();
        Shell.run(new DelCommand(), etcd, "--from-key", "");
        assertThat(sent().getKey()).isEqualTo(KeyRangeCommand.ALL);
        assertThat(sent().getRangeEnd()).isEqualTo(KeyRangeCommand.ALL);
        assertThatThrownBy(() -> Shell.run(new DelCommand(), etcd, "--from-key", "a", "b"))
                .hasMessage("too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
    }

    @Test
    void failureThrowsEtcdsError() {
        etcd.deleteRange = Answer.failing(EtcdError.EMPTY_KEY.exception());
        assertThatThrownBy(() -> Shell.run(new DelCommand(), etcd, ""))
                .isInstanceOf(EtcdException.class).hasMessage("etcdserver: key is not provided");
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build();
    }
}
