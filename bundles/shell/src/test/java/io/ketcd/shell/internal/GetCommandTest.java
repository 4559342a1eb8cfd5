package io.ketcd.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.testing.fakes.Answer;
import io.ketcd.testing.fakes.FakeKv;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

/** Expected output is etcdctl 3.4.23's against etcd 3.4.23 holding foo=baz, foo2=v2. */
class GetCommandTest {
    private static final ByteString NUL = ByteString.copyFrom(new byte[] {0});

    private final FakeKv etcd = new FakeKv();

    private void answer(String... keysAndValues) {
        RangeResponse.Builder r = RangeResponse.newBuilder().setCount(keysAndValues.length / 2);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            r.addKvs(KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(keysAndValues[i]))
                    .setValue(ByteString.copyFromUtf8(keysAndValues[i + 1])));
        }
        etcd.range = Answer.with(r.build());
    }

    private RangeRequest sent() {
        return etcd.requests.only(RangeRequest.class);
    }

    @Test
    void getOneKeyPrintsKeyAndValueLines() throws Exception {
        answer("foo", "baz");
        assertThat(Shell.run(new GetCommand(), etcd, "foo")).isEqualTo("foo\nbaz\n");
        assertThat(sent()).isEqualTo(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("foo")).build());
    }

    @Test
    void missingKeyPrintsNothing() throws Exception {
        assertThat(Shell.run(new GetCommand(), etcd, "nope")).isEmpty();
    }

    @Test
    void prefixAsksForTheNextKeyAsRangeEnd() throws Exception {
        answer("foo", "baz", "foo2", "v2");
        assertThat(Shell.run(new GetCommand(), etcd, "--prefix", "foo")).isEqualTo("foo\nbaz\nfoo2\nv2\n");
        assertThat(sent().getKey().toStringUtf8()).isEqualTo("foo");
        assertThat(sent().getRangeEnd().toStringUtf8()).isEqualTo("fop");
    }

    @Test
    void prefixOfTheEmptyKeyIsEveryKey() throws Exception {
        Shell.run(new GetCommand(), etcd, "--prefix", "");
        assertThat(sent().getKey()).isEqualTo(NUL);
        assertThat(sent().getRangeEnd()).isEqualTo(NUL);
    }

    @Test
    void rangeEndArgument() throws Exception {
        Shell.run(new GetCommand(), etcd, "foo", "foo3");
        assertThat(sent().getKey().toStringUtf8()).isEqualTo("foo");
        assertThat(sent().getRangeEnd().toStringUtf8()).isEqualTo("foo3");
    }

    @Test
    void fromKeyReadsToTheEnd() throws Exception {
        Shell.run(new GetCommand(), etcd, "--from-key", "b");
        assertThat(sent().getKey().toStringUtf8()).isEqualTo("b");
        assertThat(sent().getRangeEnd()).isEqualTo(NUL);
    }

    @Test
    void revLimitKeysOnlyGoIntoTheRequest() throws Exception {
        answer("foo", "");
        assertThat(Shell.run(new GetCommand(), etcd, "--rev", "2", "--limit", "1", "--keys-only", "--prefix", "foo"))
                .isEqualTo("foo\n\n");
        RangeRequest r = sent();
        assertThat(r.getRevision()).isEqualTo(2);
        assertThat(r.getLimit()).isEqualTo(1);
        assertThat(r.getKeysOnly()).isTrue();
        assertThat(r.getCountOnly()).isFalse();
        assertThat(r.getSerializable()).isFalse();
    }

    @Test
    void printValueOnlyPrintsValues() throws Exception {
        answer("foo", "baz", "foo2", "v2");
        assertThat(Shell.run(new GetCommand(), etcd, "--print-value-only", "--prefix", "foo")).isEqualTo("baz\nv2\n");
    }

    @Test
    void countOnlyPrintsTheCount() throws Exception {
        etcd.range = Answer.with(RangeResponse.newBuilder().setCount(2).build());
        assertThat(Shell.run(new GetCommand(), etcd, "--count-only", "--prefix", "foo")).isEqualTo("2\n");
        assertThat(sent().getCountOnly()).isTrue();
    }

    @Test
    void refusedCombinationsSendNothing() {
        assertThatThrownBy(() -> Shell.run(new GetCommand(), etcd, "--prefix", "--from-key", "a"))
                .hasMessage("`--prefix` and `--from-key` cannot be set at the same time, choose one");
        assertThatThrownBy(() -> Shell.run(new GetCommand(), etcd, "--prefix", "a", "b"))
                .hasMessage("too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
        assertThatThrownBy(() -> Shell.run(new GetCommand(), etcd, "--keys-only", "--count-only", "a"))
                .hasMessage("`--keys-only` and `--count-only` cannot be set at the same time, choose one");
        assertThat(etcd.requests.all()).isEmpty();
    }

    @Test
    void failureThrowsEtcdsError() {
        etcd.range = Answer.failing(EtcdError.FUTURE_REV.exception());
        assertThatThrownBy(() -> Shell.run(new GetCommand(), etcd, "--rev", "100", "foo"))
                .isInstanceOf(EtcdException.class).hasMessage("etcdserver: mvcc: required revision is a future revision");
    }

    @Test
    void noAnswerFailsWithEtcdctlsDeadline() {
        CompletableFuture<RangeResponse> pending = new CompletableFuture<>();
        etcd.range = request -> pending;
        GetCommand get = new GetCommand();
        get.timeoutMillis = 50;
        assertThatThrownBy(() -> Shell.run(get, etcd, "foo"))
                .isInstanceOf(TimeoutException.class).hasMessage("context deadline exceeded");
        assertThat(pending).isCancelled();
    }
}
