package io.ketcd.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.testing.fakes.Answer;
import io.ketcd.testing.fakes.FakeKv;

import org.junit.jupiter.api.Test;

/** Expected output is etcdctl 3.4.23's against etcd 3.4.23. */
class PutCommandTest {
    private final FakeKv etcd = new FakeKv();

    @Test
    void putPrintsOk() throws Exception {
        assertThat(Shell.run(new PutCommand(), etcd, "foo", "bar")).isEqualTo("OK\n");
        assertThat(etcd.requests.only(PutRequest.class)).isEqualTo(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("foo")).setValue(ByteString.copyFromUtf8("bar")).build());
    }

    @Test
    void prevKvPrintsThePreviousPair() throws Exception {
        etcd.put = Answer.with(PutResponse.newBuilder().setPrevKv(KeyValue.newBuilder()
                .setKey(ByteString.copyFromUtf8("foo")).setValue(ByteString.copyFromUtf8("bar"))).build());
        assertThat(Shell.run(new PutCommand(), etcd, "--prev-kv", "foo", "baz")).isEqualTo("OK\nfoo\nbar\n");
        assertThat(etcd.requests.only(PutRequest.class).getPrevKv()).isTrue();
    }

    @Test
    void prevKvOfANewKeyPrintsOnlyOk() throws Exception {
        assertThat(Shell.run(new PutCommand(), etcd, "--prev-kv", "foo2", "v2")).isEqualTo("OK\n");
    }

    @Test
    void valuesAreBytesAsGiven() throws Exception {
        assertThat(Shell.run(new PutCommand(), etcd, "ключ", "")).isEqualTo("OK\n");
        PutRequest sent = etcd.requests.only(PutRequest.class);
        assertThat(sent.getKey().toStringUtf8()).isEqualTo("ключ");
        assertThat(sent.getValue()).isEqualTo(ByteString.EMPTY);
    }

    @Test
    void failureThrowsEtcdsError() {
        etcd.put = Answer.failing(EtcdError.NO_SPACE.exception());
        assertThatThrownBy(() -> Shell.run(new PutCommand(), etcd, "foo", "bar"))
                .isInstanceOf(EtcdException.class).hasMessage("etcdserver: mvcc: database space exceeded");
    }
}
