package io.ketcd.itests;

import java.util.List;

/**
 * One kind of bad input: a named function that sends it to one port of one member and asserts
 * the answer, where the input has a defined one (a status line, a gRPC status and message).
 *
 * @param name what is sent, as the test report names it
 * @param port the member's port it goes to
 * @param requests how many bad requests (connections or calls) one {@link #send} makes: the log
 *     may grow by a few lines per bad request, no more
 * @param sender sends the input and asserts the answer
 */
record BadInputCase(String name, Port port, int requests, Sender sender) {

    /** The ports of a member, as a client or a peer reaches them. */
    enum Port { GRPC, HTTP, PEER }

    @FunctionalInterface
    interface Sender {
        void send(Target target) throws Exception;
    }

    /**
     * Where a case goes: {@code node}, known to its peers as {@code identity} (a real member id as
     * sender, the cluster id), which the peer port checks before it reads a raft message.
     */
    record Target(KetcdNode node, PeerIdentity identity) {
    }

    /** A case that sends one bad request. */
    static BadInputCase of(String name, Port port, Sender sender) {
        return new BadInputCase(name, port, 1, sender);
    }

    /** Every case of every port; the random ones {@code repeat} times each. */
    static List<BadInputCase> all(int repeat) {
        return java.util.stream.Stream.of(GrpcBadInputs.cases(repeat), HttpBadInputs.cases(repeat),
                PeerBadInputs.cases(repeat)).flatMap(List::stream).toList();
    }

    /**
     * How often each random case repeats: once in the short mode CI runs, {@code badinput.repeat}
     * (default 200) times with {@code -Dbadinput.full=true}.
     */
    static int repeatFromSystemProperties() {
        return Boolean.getBoolean("badinput.full") ? Integer.getInteger("badinput.repeat", 200) : 1;
    }

    @Override
    public String toString() {
        return name;
    }
}
