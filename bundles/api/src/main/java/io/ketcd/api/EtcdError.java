package io.ketcd.api;

/**
 * The errors etcd returns to clients, with etcd's exact gRPC code and message (etcd's
 * {@code api/v3rpc/rpctypes}). Clients such as etcdctl and jetcd match on these texts, so they
 * must not be reworded.
 */
public enum EtcdError {
    EMPTY_KEY(StatusCode.INVALID_ARGUMENT, "etcdserver: key is not provided"),
    KEY_NOT_FOUND(StatusCode.INVALID_ARGUMENT, "etcdserver: key not found"),
    VALUE_PROVIDED(StatusCode.INVALID_ARGUMENT, "etcdserver: value is provided"),
    LEASE_PROVIDED(StatusCode.INVALID_ARGUMENT, "etcdserver: lease is provided"),
    TOO_MANY_OPS(StatusCode.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"),
    DUPLICATE_KEY(StatusCode.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
    COMPACTED(StatusCode.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"),
    FUTURE_REV(StatusCode.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
    NO_SPACE(StatusCode.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"),

    LEASE_NOT_FOUND(StatusCode.NOT_FOUND, "etcdserver: requested lease not found"),
    LEASE_EXIST(StatusCode.FAILED_PRECONDITION, "etcdserver: lease already exists"),
    LEASE_TTL_TOO_LARGE(StatusCode.OUT_OF_RANGE, "etcdserver: too large lease TTL"),

    MEMBER_EXIST(StatusCode.FAILED_PRECONDITION, "etcdserver: member ID already exist"),
    PEER_URL_EXIST(StatusCode.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists"),
    MEMBER_NOT_ENOUGH_STARTED(StatusCode.FAILED_PRECONDITION, "etcdserver: re-configuration failed due to not enough started members"),
    MEMBER_BAD_URLS(StatusCode.INVALID_ARGUMENT, "etcdserver: given member URLs are invalid"),
    MEMBER_NOT_FOUND(StatusCode.NOT_FOUND, "etcdserver: member not found"),
    MEMBER_NOT_LEARNER(StatusCode.FAILED_PRECONDITION, "etcdserver: can only promote a learner member"),
    LEARNER_NOT_READY(StatusCode.FAILED_PRECONDITION, "etcdserver: can only promote a learner member which is in sync with leader"),
    TOO_MANY_LEARNERS(StatusCode.FAILED_PRECONDITION, "etcdserver: too many learner members in cluster"),

    REQUEST_TOO_LARGE(StatusCode.INVALID_ARGUMENT, "etcdserver: request is too large"),
    TOO_MANY_REQUESTS(StatusCode.RESOURCE_EXHAUSTED, "etcdserver: too many requests"),
    NO_LEADER(StatusCode.UNAVAILABLE, "etcdserver: no leader"),
    NOT_LEADER(StatusCode.FAILED_PRECONDITION, "etcdserver: not leader"),
    LEADER_CHANGED(StatusCode.UNAVAILABLE, "etcdserver: leader changed"),
    NOT_CAPABLE(StatusCode.UNAVAILABLE, "etcdserver: not capable"),
    STOPPED(StatusCode.UNAVAILABLE, "etcdserver: server stopped"),
    NOT_SUPPORTED_FOR_LEARNER(StatusCode.UNAVAILABLE, "etcdserver: rpc not supported for learner"),
    TIMEOUT(StatusCode.UNAVAILABLE, "etcdserver: request timed out"),
    TIMEOUT_DUE_TO_LEADER_FAIL(StatusCode.UNAVAILABLE, "etcdserver: request timed out, possibly due to previous leader failure"),
    TIMEOUT_WAIT_APPLIED_INDEX(StatusCode.UNAVAILABLE, "etcdserver: request timed out, waiting for the applied index took too long"),
    TIMEOUT_DUE_TO_CONNECTION_LOST(StatusCode.UNAVAILABLE, "etcdserver: request timed out, possibly due to connection lost"),
    UNHEALTHY(StatusCode.UNAVAILABLE, "etcdserver: unhealthy cluster"),
    CORRUPT(StatusCode.DATA_LOSS, "etcdserver: corrupt cluster"),
    BAD_LEADER_TRANSFEREE(StatusCode.FAILED_PRECONDITION, "etcdserver: bad leader transferee"),
    TIMEOUT_LEADER_TRANSFER(StatusCode.UNAVAILABLE, "etcdserver: request timed out, leader transfer took too long"),

    ROOT_USER_NOT_EXIST(StatusCode.FAILED_PRECONDITION, "etcdserver: root user does not exist"),
    ROOT_ROLE_NOT_EXIST(StatusCode.FAILED_PRECONDITION, "etcdserver: root user does not have root role"),
    USER_ALREADY_EXIST(StatusCode.FAILED_PRECONDITION, "etcdserver: user name already exists"),
    USER_EMPTY(StatusCode.INVALID_ARGUMENT, "etcdserver: user name is empty"),
    USER_NOT_FOUND(StatusCode.FAILED_PRECONDITION, "etcdserver: user name not found"),
    ROLE_ALREADY_EXIST(StatusCode.FAILED_PRECONDITION, "etcdserver: role name already exists"),
    ROLE_NOT_FOUND(StatusCode.FAILED_PRECONDITION, "etcdserver: role name not found"),
    ROLE_EMPTY(StatusCode.INVALID_ARGUMENT, "etcdserver: role name is empty"),
    AUTH_FAILED(StatusCode.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password"),
    PERMISSION_DENIED(StatusCode.PERMISSION_DENIED, "etcdserver: permission denied"),
    ROLE_NOT_GRANTED(StatusCode.FAILED_PRECONDITION, "etcdserver: role is not granted to the user"),
    PERMISSION_NOT_GRANTED(StatusCode.FAILED_PRECONDITION, "etcdserver: permission is not granted to the role"),
    AUTH_NOT_ENABLED(StatusCode.FAILED_PRECONDITION, "etcdserver: authentication is not enabled"),
    INVALID_AUTH_TOKEN(StatusCode.UNAUTHENTICATED, "etcdserver: invalid auth token"),
    INVALID_AUTH_MGMT(StatusCode.INVALID_ARGUMENT, "etcdserver: invalid auth management"),
    AUTH_OLD_REVISION(StatusCode.INVALID_ARGUMENT, "etcdserver: revision of auth store is old"),
    // etcd 3.4's maintenance server returns the auth package's errors untranslated
    AUTH_RAW_PERMISSION_DENIED(StatusCode.UNKNOWN, "auth: permission denied"),
    AUTH_RAW_USER_EMPTY(StatusCode.UNKNOWN, "auth: user name is empty"),
    AUTH_RAW_USER_NOT_FOUND(StatusCode.UNKNOWN, "auth: user name not found"),
    AUTH_RAW_INVALID_TOKEN(StatusCode.UNKNOWN, "auth: invalid auth token"),

    // etcd's server-side lock and election recipes (v3lock, v3election over clientv3/concurrency)
    // return these as plain errors
    ELECTION_NOT_LEADER(StatusCode.UNKNOWN, "election: not leader"),
    ELECTION_NO_LEADER(StatusCode.UNKNOWN, "election: no leader"),
    ELECTION_LEADER_KEY_MISSING(StatusCode.UNKNOWN, "\"leader\" field must be provided"),
    RECIPE_LOST_WATCHER(StatusCode.UNKNOWN, "lost watcher waiting for delete"),

    NOT_SUPPORTED(StatusCode.UNIMPLEMENTED, "etcdserver: not supported in ketcd yet");

    private final StatusCode code;
    private final String message;

    EtcdError(StatusCode code, String message) {
        this.code = code;
        this.message = message;
    }

    public StatusCode code() {
        return code;
    }

    /** etcd's message, word for word. */
    public String message() {
        return message;
    }

    /** An exception carrying this error, for throwing or for completing a future exceptionally. */
    public EtcdException exception() {
        return new EtcdException(this);
    }

    /**
     * The error whose message is {@code message}, as one member tells another over the peer
     * port (etcd sends the error's text there, not its code).
     */
    public static java.util.Optional<EtcdError> fromMessage(String message) {
        for (EtcdError e : values()) {
            if (e.message.equals(message == null ? null : message.trim())) {
                return java.util.Optional.of(e);
            }
        }
        return java.util.Optional.empty();
    }
}
