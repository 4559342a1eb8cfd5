package io.ketcd.itests;

import static io.ketcd.itests.Jetcd.await;
import static io.ketcd.itests.Jetcd.bs;
import static io.ketcd.itests.Jetcd.str;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.concurrent.ExecutionException;

import org.junit.ClassRule;
import org.junit.Test;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;

/** jetcd 0.8.7 (KV and Txn) from the test JVM against the distribution running as its own process. */
public class JetcdIT {

    @ClassRule
    public static final RunningNode RUNNING = new RunningNode();


    @Test
    public void putGetDeleteKeepEtcdsBookkeeping() throws Exception {
        PutResponse first = await(RUNNING.kv().put(bs("jetcd/kv/k"), bs("v1")));
        PutResponse second = await(RUNNING.kv().put(bs("jetcd/kv/k"), bs("v2"), PutOption.builder().withPrevKV().build()));
        assertEquals(first.getHeader().getRevision() + 1, second.getHeader().getRevision());
        assertTrue(second.hasPrevKv());
        assertEquals("v1", str(second.getPrevKv().getValue()));

        GetResponse get = await(RUNNING.kv().get(bs("jetcd/kv/k")));
        assertEquals(1, get.getCount());
        KeyValue kvs = get.getKvs().get(0);
        assertEquals("jetcd/kv/k", str(kvs.getKey()));
        assertEquals("v2", str(kvs.getValue()));
        assertEquals(first.getHeader().getRevision(), kvs.getCreateRevision());
        assertEquals(second.getHeader().getRevision(), kvs.getModRevision());
        assertEquals(2, kvs.getVersion());

        DeleteResponse del = await(RUNNING.kv().delete(bs("jetcd/kv/k"), DeleteOption.builder().withPrevKV(true).build()));
        assertEquals(1, del.getDeleted());
        assertEquals("v2", str(del.getPrevKvs().get(0).getValue()));
        assertEquals(0, await(RUNNING.kv().get(bs("jetcd/kv/k"))).getCount());
    }

    @Test
    public void headersNameTheClusterAndMember() throws Exception {
        PutResponse put = await(RUNNING.kv().put(bs("jetcd/header/k"), bs("v")));
        GetResponse get = await(RUNNING.kv().get(bs("jetcd/header/k")));
        assertNotEquals(0, put.getHeader().getClusterId());
        assertNotEquals(0, put.getHeader().getMemberId());
        assertTrue(put.getHeader().getRaftTerm() > 0);
        assertEquals(put.getHeader().getClusterId(), get.getHeader().getClusterId());
        assertEquals(put.getHeader().getMemberId(), get.getHeader().getMemberId());
        assertEquals(put.getHeader().getRevision(), get.getHeader().getRevision());
    }

    @Test
    public void rangeWithPrefixLimitAndSortOrder() throws Exception {
        for (String k : List.of("c", "a", "d", "b")) {
            await(RUNNING.kv().put(bs("jetcd/range/" + k), bs(k.toUpperCase())));
        }
        GetResponse limited = await(RUNNING.kv().get(bs("jetcd/range/"), GetOption.builder()
                .isPrefix(true)
                .withLimit(2)
                .withSortField(GetOption.SortTarget.KEY)
                .withSortOrder(GetOption.SortOrder.DESCEND)
                .build()));
        assertEquals(4, limited.getCount());
        assertTrue(limited.isMore());
        assertEquals(List.of("jetcd/range/d", "jetcd/range/c"), limited.getKvs().stream().map(kv -> str(kv.getKey())).toList());
        assertEquals(List.of("D", "C"), limited.getKvs().stream().map(kv -> str(kv.getValue())).toList());

        GetResponse counted = await(RUNNING.kv().get(bs("jetcd/range/"), GetOption.builder().isPrefix(true).withCountOnly(true).build()));
        assertEquals(4, counted.getCount());
        assertTrue(counted.getKvs().isEmpty());
    }

    @Test
    public void txnRunsTheBranchItsComparesChoose() throws Exception {
        PutResponse put = await(RUNNING.kv().put(bs("jetcd/txn/k"), bs("v1")));

        TxnResponse success = await(RUNNING.kv().txn()
                .If(new Cmp(bs("jetcd/txn/k"), Cmp.Op.EQUAL, CmpTarget.value(bs("v1"))),
                        new Cmp(bs("jetcd/txn/k"), Cmp.Op.EQUAL, CmpTarget.modRevision(put.getHeader().getRevision())))
                .Then(Op.put(bs("jetcd/txn/k"), bs("v2"), PutOption.DEFAULT),
                        Op.get(bs("jetcd/txn/k"), GetOption.DEFAULT))
                .Else(Op.put(bs("jetcd/txn/other"), bs("else"), PutOption.DEFAULT))
                .commit());
        assertTrue(success.isSucceeded());
        assertEquals(1, success.getPutResponses().size());
        assertEquals("v2", str(success.getGetResponses().get(0).getKvs().get(0).getValue()));
        // one revision for the whole txn
        assertEquals(put.getHeader().getRevision() + 1, success.getHeader().getRevision());

        TxnResponse failure = await(RUNNING.kv().txn()
                .If(new Cmp(bs("jetcd/txn/k"), Cmp.Op.EQUAL, CmpTarget.version(1)))
                .Then(Op.put(bs("jetcd/txn/k"), bs("then"), PutOption.DEFAULT))
                .Else(Op.put(bs("jetcd/txn/other"), bs("else"), PutOption.DEFAULT),
                        Op.delete(bs("jetcd/txn/k"), DeleteOption.DEFAULT))
                .commit());
        assertFalse(failure.isSucceeded());
        assertEquals(1, failure.getDeleteResponses().get(0).getDeleted());
        assertEquals("else", str(await(RUNNING.kv().get(bs("jetcd/txn/other"))).getKvs().get(0).getValue()));
        assertEquals(0, await(RUNNING.kv().get(bs("jetcd/txn/k"))).getCount());
    }

    @Test
    public void compactedRevisionsAreRefused() throws Exception {
        long old = await(RUNNING.kv().put(bs("jetcd/compact/k"), bs("old"))).getHeader().getRevision();
        long current = await(RUNNING.kv().put(bs("jetcd/compact/k"), bs("new"))).getHeader().getRevision();
        await(RUNNING.kv().compact(current));
        ExecutionException e = expectFailure(() -> await(RUNNING.kv().get(bs("jetcd/compact/k"), GetOption.builder().withRevision(old).build())));
        assertTrue(e.getCause().getMessage(), e.getCause().getMessage().contains("etcdserver: mvcc: required revision has been compacted"));
        assertEquals("new", str(await(RUNNING.kv().get(bs("jetcd/compact/k"))).getKvs().get(0).getValue()));
    }

    interface Call {
        Object run() throws Exception;
    }

    static ExecutionException expectFailure(Call call) throws Exception {
        try {
            Object result = call.run();
            throw new AssertionError("expected a failure, got " + result);
        } catch (ExecutionException e) {
            return e;
        }
    }
}
