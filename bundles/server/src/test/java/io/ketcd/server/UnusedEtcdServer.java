package io.ketcd.server;

import io.ketcd.proto.etcdserverpb.CompactionRequest;
import io.ketcd.proto.etcdserverpb.CompactionResponse;
import io.ketcd.proto.etcdserverpb.DeleteRangeRequest;
import io.ketcd.proto.etcdserverpb.DeleteRangeResponse;
import io.ketcd.proto.etcdserverpb.HashKVRequest;
import io.ketcd.proto.etcdserverpb.HashKVResponse;
import io.ketcd.proto.etcdserverpb.MemberAddRequest;
import io.ketcd.proto.etcdserverpb.MemberAddResponse;
import io.ketcd.proto.etcdserverpb.MemberListResponse;
import io.ketcd.proto.etcdserverpb.MemberPromoteRequest;
import io.ketcd.proto.etcdserverpb.MemberPromoteResponse;
import io.ketcd.proto.etcdserverpb.MemberRemoveRequest;
import io.ketcd.proto.etcdserverpb.MemberRemoveResponse;
import io.ketcd.proto.etcdserverpb.MemberUpdateRequest;
import io.ketcd.proto.etcdserverpb.MemberUpdateResponse;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.PutResponse;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.StatusResponse;
import io.ketcd.proto.etcdserverpb.TxnRequest;
import io.ketcd.proto.etcdserverpb.TxnResponse;

import java.util.concurrent.CompletableFuture;

/**
 * The base of the test doubles of {@link EtcdServer} in the client-facing bundles (grpc, http,
 * shell; shared through this module's test jar): every method fails, so a double overrides only
 * what its tests use, and a test reaching anything else fails loudly.
 */
public abstract class UnusedEtcdServer implements EtcdServer {

    private static UnsupportedOperationException unused(String method) {
        return new UnsupportedOperationException(method + " is not used by this test double");
    }

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
        throw unused("range");
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request) {
        throw unused("put");
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        throw unused("deleteRange");
    }

    @Override
    public CompletableFuture<TxnResponse> txn(TxnRequest request) {
        throw unused("txn");
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
        throw unused("compact");
    }

    @Override
    public CompletableFuture<HashKVResponse> hashKV(HashKVRequest request) {
        throw unused("hashKV");
    }

    @Override
    public CompletableFuture<StatusResponse> status() {
        throw unused("status");
    }

    @Override
    public CompletableFuture<MemberListResponse> memberList() {
        throw unused("memberList");
    }

    @Override
    public CompletableFuture<MemberAddResponse> memberAdd(MemberAddRequest request) {
        throw unused("memberAdd");
    }

    @Override
    public CompletableFuture<MemberRemoveResponse> memberRemove(MemberRemoveRequest request) {
        throw unused("memberRemove");
    }

    @Override
    public CompletableFuture<MemberUpdateResponse> memberUpdate(MemberUpdateRequest request) {
        throw unused("memberUpdate");
    }

    @Override
    public CompletableFuture<MemberPromoteResponse> memberPromote(MemberPromoteRequest request) {
        throw unused("memberPromote");
    }

    @Override
    public ServerConfig config() {
        throw unused("config");
    }

    @Override
    public long clusterId() {
        throw unused("clusterId");
    }

    @Override
    public long memberId() {
        throw unused("memberId");
    }
}
