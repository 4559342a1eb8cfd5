package io.ketcd.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;

/**
 * How deep etcd's requests may nest, the same for every parser of them: the gRPC layer that
 * takes a client's request and the apply loop that decodes it again from the log inside the
 * server's envelope. protobuf-java stops at 100 levels by default, which is a txn nested 49
 * deep; etcd accepts nesting up to its {@code max-txn-ops} (each level spends at least one op).
 */
public final class RequestNesting {
    /** etcd's default {@code max-txn-ops}: no txn that etcd accepts by default nests deeper. */
    public static final int MAX_TXN_DEPTH = 128;
    /** Message levels of a client request with a txn nested {@link #MAX_TXN_DEPTH} deep (a TxnRequest and a RequestOp per level, the innermost op's request). */
    public static final int CLIENT_REQUEST_LEVELS = 2 * MAX_TXN_DEPTH + 1;
    /** The same inside the server's envelope, one level more. */
    public static final int LOGGED_REQUEST_LEVELS = CLIENT_REQUEST_LEVELS + 1;
    /** protobuf-java's text when a message nests deeper than the limit it was parsed with. */
    public static final String TOO_DEEP = "Protocol message had too many levels of nesting";

    private RequestNesting() {
    }

    /** Parses all of {@code input} with at most {@code levels} levels of nesting. */
    public static <T> T parse(Parser<T> parser, CodedInputStream input, int levels) throws InvalidProtocolBufferException {
        input.setRecursionLimit(levels);
        T message = parser.parseFrom(input, ExtensionRegistryLite.getEmptyRegistry());
        input.checkLastTagWas(0);
        return message;
    }

    /** {@link #parse(Parser, CodedInputStream, int)} of a request from the log, in the server's envelope. */
    public static <T> T parseLogged(Parser<T> parser, ByteString bytes) throws InvalidProtocolBufferException {
        return parse(parser, bytes.newCodedInput(), LOGGED_REQUEST_LEVELS);
    }
}
