package io.ketcd.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.ketcd.proto.etcdserverpb.Compare;
import io.ketcd.proto.etcdserverpb.LeaseLeasesRequest;
import io.ketcd.proto.etcdserverpb.LeaseLeasesResponse;
import io.ketcd.proto.etcdserverpb.LeaseStatus;
import io.ketcd.proto.etcdserverpb.PutRequest;
import io.ketcd.proto.etcdserverpb.RangeRequest;
import io.ketcd.proto.etcdserverpb.RangeResponse;
import io.ketcd.proto.etcdserverpb.ResponseHeader;
import io.ketcd.proto.etcdserverpb.RpcProto;
import io.ketcd.proto.etcdserverpb.WatchResponse;
import io.ketcd.proto.mvccpb.KeyValue;
import io.ketcd.proto.serverpb.InternalRaftRequest;
import io.ketcd.proto.serverpb.RequestHeader;
import io.ketcd.proto.v3electionpb.V3ElectionProto;
import io.ketcd.proto.v3lockpb.V3LockProto;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Checks ketcd's generated etcd API classes against etcd's wire format. Every expected number
 * below is taken from etcd's own sources (v3.5: api/etcdserverpb/rpc.proto, api/mvccpb/kv.proto,
 * v3lockpb/v3lock.proto, v3electionpb/v3election.proto), never from ketcd's .proto files.
 */
class WireCompatibilityTest {

  @Test
  void rangeRequestFieldNumbers() {
    assertThat(numbers(RangeRequest.getDescriptor()))
        .containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
            Map.entry("key", 1), Map.entry("range_end", 2), Map.entry("limit", 3),
            Map.entry("revision", 4), Map.entry("sort_order", 5), Map.entry("sort_target", 6),
            Map.entry("serializable", 7), Map.entry("keys_only", 8), Map.entry("count_only", 9),
            Map.entry("min_mod_revision", 10), Map.entry("max_mod_revision", 11),
            Map.entry("min_create_revision", 12), Map.entry("max_create_revision", 13)));
    assertThat(RangeRequest.getDescriptor().findFieldByName("max_create_revision").getNumber())
        .isEqualTo(13);
    assertThat(RangeRequest.SortTarget.VALUE.getNumber()).isEqualTo(4);
    assertThat(RangeRequest.SortOrder.DESCEND.getNumber()).isEqualTo(2);
    assertThat(RangeRequest.getDescriptor().getFullName()).isEqualTo("etcdserverpb.RangeRequest");
  }

  @Test
  void keyValueFieldNumbersAndBytes() {
    assertThat(numbers(KeyValue.getDescriptor())).containsExactlyInAnyOrderEntriesOf(Map.of(
        "key", 1, "create_revision", 2, "mod_revision", 3, "version", 4, "value", 5, "lease", 6));
    assertThat(KeyValue.getDescriptor().getFullName()).isEqualTo("mvccpb.KeyValue");

    KeyValue kv = KeyValue.newBuilder().setKey(bytes("a")).setCreateRevision(2).setModRevision(3)
        .setVersion(1).setValue(bytes("b")).setLease(5).build();
    // tags 0x0a 0x10 0x18 0x20 0x2a 0x30 = fields 1..6 with etcd's wire types
    assertThat(hex(kv)).isEqualTo("0a0161" + "1002" + "1803" + "2001" + "2a0162" + "3005");
  }

  @Test
  void responseHeaderBytes() throws Exception {
    ResponseHeader h = ResponseHeader.newBuilder()
        .setClusterId(1).setMemberId(2).setRevision(3).setRaftTerm(4).build();
    assertThat(hex(h)).isEqualTo("08011002" + "18032004");
    assertThat(ResponseHeader.parseFrom(java.util.HexFormat.of().parseHex("08011002" + "18032004"))).isEqualTo(h);
  }

  @Test
  void putRequestBytes() {
    PutRequest put = PutRequest.newBuilder().setKey(bytes("foo")).setValue(bytes("bar"))
        .setLease(7).setPrevKv(true).setIgnoreValue(true).setIgnoreLease(true).build();
    assertThat(hex(put)).isEqualTo("0a03666f6f" + "1203626172" + "1807" + "2001" + "2801" + "3001");
  }

  @Test
  void compareWithLeaseTarget() throws Exception {
    assertThat(Compare.CompareTarget.LEASE.getNumber()).isEqualTo(4);
    assertThat(Compare.CompareResult.NOT_EQUAL.getNumber()).isEqualTo(3);
    Descriptor d = Compare.getDescriptor();
    assertThat(numbers(d)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "result", 1, "target", 2, "key", 3, "version", 4, "create_revision", 5,
        "mod_revision", 6, "value", 7, "lease", 8, "range_end", 64));
    assertThat(d.findFieldByName("lease").getContainingOneof().getName()).isEqualTo("target_union");

    Compare c = Compare.newBuilder().setResult(Compare.CompareResult.GREATER)
        .setTarget(Compare.CompareTarget.LEASE).setKey(bytes("k")).setLease(9)
        .setRangeEnd(bytes("l")).build();
    // field 64, wire type 2: tag 514 = varint 0x82 0x04
    String wire = "0801" + "1004" + "1a016b" + "4009" + "8204016c";
    assertThat(hex(c)).isEqualTo(wire);
    assertThat(Compare.parseFrom(java.util.HexFormat.of().parseHex(wire)).getTargetUnionCase())
        .isEqualTo(Compare.TargetUnionCase.LEASE);
  }

  @Test
  void leaseLeases() throws Exception {
    assertThat(LeaseLeasesRequest.getDescriptor().getFields()).isEmpty();
    assertThat(numbers(LeaseLeasesResponse.getDescriptor()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("header", 1, "leases", 2));
    assertThat(numbers(LeaseStatus.getDescriptor())).containsExactlyInAnyOrderEntriesOf(Map.of("ID", 1));
    LeaseLeasesResponse r = LeaseLeasesResponse.newBuilder()
        .addLeases(LeaseStatus.newBuilder().setID(0x10)).build();
    assertThat(hex(r)).isEqualTo("12020810");
    MethodDescriptor m = service(RpcProto.getDescriptor(), "Lease").findMethodByName("LeaseLeases");
    assertThat(m.getInputType().getFullName()).isEqualTo("etcdserverpb.LeaseLeasesRequest");
    assertThat(m.getOutputType().getFullName()).isEqualTo("etcdserverpb.LeaseLeasesResponse");
  }

  @Test
  void parsesRangeResponseAsEtcdEncodesIt() throws Exception {
    // RangeResponse{header{revision:5}, kvs[{key:"k", mod_revision:5}], count:1}, hand-encoded
    byte[] wire = java.util.HexFormat.of().parseHex("0a021805" + "12050a016b1805" + "2001");
    RangeResponse r = RangeResponse.parseFrom(wire);
    assertThat(r.getHeader().getRevision()).isEqualTo(5);
    assertThat(r.getKvs(0).getKey().toStringUtf8()).isEqualTo("k");
    assertThat(r.getKvs(0).getModRevision()).isEqualTo(5);
    assertThat(r.getCount()).isEqualTo(1);
    assertThat(r.getUnknownFields().asMap()).isEmpty();
  }

  @Test
  void watchResponseEventsField() {
    assertThat(WatchResponse.getDescriptor().findFieldByName("events").getNumber()).isEqualTo(11);
    assertThat(WatchResponse.getDescriptor().findFieldByName("fragment").getNumber()).isEqualTo(7);
  }

  @Test
  void etcdServiceAndMethodNames() {
    FileDescriptor rpc = RpcProto.getDescriptor();
    assertThat(rpc.getPackage()).isEqualTo("etcdserverpb");
    assertThat(rpc.getServices().stream().map(ServiceDescriptor::getFullName))
        .containsExactly("etcdserverpb.KV", "etcdserverpb.Watch", "etcdserverpb.Lease",
            "etcdserverpb.Cluster", "etcdserverpb.Maintenance", "etcdserverpb.Auth");
    assertThat(methods(rpc, "KV")).containsExactly("Range", "Put", "DeleteRange", "Txn", "Compact");
    assertThat(methods(rpc, "Watch")).containsExactly("Watch");
    assertThat(methods(rpc, "Lease")).containsExactly(
        "LeaseGrant", "LeaseRevoke", "LeaseKeepAlive", "LeaseTimeToLive", "LeaseLeases");
    assertThat(methods(rpc, "Cluster")).containsExactly(
        "MemberAdd", "MemberRemove", "MemberUpdate", "MemberList", "MemberPromote");
    assertThat(methods(rpc, "Maintenance")).containsExactly(
        "Alarm", "Status", "Defragment", "Hash", "HashKV", "Snapshot", "MoveLeader", "Downgrade");
    assertThat(methods(rpc, "Auth")).containsExactly(
        "AuthEnable", "AuthDisable", "AuthStatus", "Authenticate", "UserAdd", "UserGet",
        "UserList", "UserDelete", "UserChangePassword", "UserGrantRole", "UserRevokeRole",
        "RoleAdd", "RoleGet", "RoleList", "RoleDelete", "RoleGrantPermission",
        "RoleRevokePermission");

    MethodDescriptor watch = service(rpc, "Watch").findMethodByName("Watch");
    assertThat(watch.isClientStreaming()).isTrue();
    assertThat(watch.isServerStreaming()).isTrue();
    assertThat(service(rpc, "Maintenance").findMethodByName("Snapshot").isServerStreaming()).isTrue();

    assertThat(V3LockProto.getDescriptor().getServices().get(0).getFullName())
        .isEqualTo("v3lockpb.Lock");
    assertThat(methods(V3LockProto.getDescriptor(), "Lock")).containsExactly("Lock", "Unlock");
    assertThat(V3ElectionProto.getDescriptor().getServices().get(0).getFullName())
        .isEqualTo("v3electionpb.Election");
    assertThat(methods(V3ElectionProto.getDescriptor(), "Election"))
        .containsExactly("Campaign", "Proclaim", "Leader", "Observe", "Resign");
    assertThat(service(V3ElectionProto.getDescriptor(), "Election").findMethodByName("Observe")
        .isServerStreaming()).isTrue();
  }

  @Test
  void internalRaftRequestRoundTrips() throws Exception {
    InternalRaftRequest req = InternalRaftRequest.newBuilder()
        .setHeader(RequestHeader.newBuilder().setId(42).setUsername("root").setAuthRevision(3))
        .setId(42)
        .setPut(PutRequest.newBuilder().setKey(bytes("k")).setValue(bytes("v")))
        .build();
    InternalRaftRequest back = InternalRaftRequest.parseFrom(req.toByteArray());
    assertThat(back).isEqualTo(req);
    assertThat(back.getRequestCase()).isEqualTo(InternalRaftRequest.RequestCase.PUT);
  }

  private static Map<String, Integer> numbers(Descriptor d) {
    return d.getFields().stream().collect(Collectors.toMap(f -> f.getName(), f -> f.getNumber()));
  }

  private static ServiceDescriptor service(FileDescriptor f, String name) {
    ServiceDescriptor s = f.findServiceByName(name);
    assertThat(s).as("service %s", name).isNotNull();
    return s;
  }

  private static List<String> methods(FileDescriptor f, String service) {
    return service(f, service).getMethods().stream().map(MethodDescriptor::getName).toList();
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  private static String hex(com.google.protobuf.MessageLite m) {
    return java.util.HexFormat.of().formatHex(m.toByteArray());
  }
}
