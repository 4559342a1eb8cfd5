package io.ketcd.server.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import io.ketcd.api.EtcdError;
import io.ketcd.proto.authpb.Permission;
import io.ketcd.proto.authpb.Role;
import io.ketcd.proto.authpb.User;
import io.ketcd.storage.Backend;
import io.ketcd.storage.Bucket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * etcd 3.4's auth store: users, roles and their key permissions, whether auth is enabled, and a
 * revision that every change bumps, kept in the backend in etcd's layout (buckets {@code auth},
 * {@code authUsers}, {@code authRoles}; an etcd snapshot's auth store restores as it is) and
 * held in memory as one immutable state, so permission checks on any thread read it without a
 * lock.
 *
 * <p>Changes come only from the apply loop, inside its backend write section, so every member
 * makes the same ones in the same order. They throw etcd's errors ({@code EtcdException}) before
 * changing anything. Passwords arrive here already hashed (bcrypt, by the member that proposed
 * the change): nothing in the apply loop hashes.
 */
public final class AuthStore {
    public static final String AUTH_BUCKET = "auth";
    public static final String USERS_BUCKET = "authUsers";
    public static final String ROLES_BUCKET = "authRoles";
    public static final String ROOT = "root";
    private static final byte[] ENABLED_KEY = "authEnabled".getBytes(StandardCharsets.UTF_8);
    private static final byte[] REVISION_KEY = "authRevision".getBytes(StandardCharsets.UTF_8);

    /**
     * Everything the store holds, never changed once published, and what each user may read and
     * write by it, worked out on first use.
     */
    private record State(boolean enabled, long revision, Map<String, User> users, Map<String, Role> roles,
                         Map<String, PermittedRanges[]> permitted) {
        State(boolean enabled, long revision, Map<String, User> users, Map<String, Role> roles) {
            this(enabled, revision, users, roles, new ConcurrentHashMap<>());
        }
    }

    private final Bucket auth;
    private final Bucket users;
    private final Bucket roles;
    private volatile State state;
    private final TokenProvider tokens;

    public AuthStore(Backend backend, TokenProvider tokens) {
        this.tokens = tokens;
        this.auth = backend.bucket(AUTH_BUCKET);
        this.users = backend.bucket(USERS_BUCKET);
        this.roles = backend.bucket(ROLES_BUCKET);
        this.state = load();
    }

    private State load() {
        byte[] enabled = auth.get(ENABLED_KEY);
        byte[] revision = auth.get(REVISION_KEY);
        Map<String, User> u = new TreeMap<>();
        users.scan(new byte[0], null, (k, v) -> {
            u.put(new String(k, StandardCharsets.UTF_8), parse(() -> User.parseFrom(v), "user", k));
            return true;
        });
        Map<String, Role> r = new TreeMap<>();
        roles.scan(new byte[0], null, (k, v) -> {
            r.put(new String(k, StandardCharsets.UTF_8), parse(() -> Role.parseFrom(v), "role", k));
            return true;
        });
        return new State(enabled != null && enabled.length == 1 && enabled[0] == 1,
                revision != null && revision.length == Long.BYTES ? ByteBuffer.wrap(revision).getLong() : 0,
                Collections.unmodifiableMap(u), Collections.unmodifiableMap(r));
    }

    private interface Parser<T> {
        T parse() throws InvalidProtocolBufferException;
    }

    private static <T> T parse(Parser<T> parser, String what, byte[] key) {
        try {
            return parser.parse();
        } catch (InvalidProtocolBufferException e) {
            // etcd panics here: the backend is corrupt
            throw new IllegalStateException("failed to unmarshal auth " + what + " "
                    + new String(key, StandardCharsets.UTF_8), e);
        }
    }

    // ---- reads, any thread

    public boolean enabled() {
        return state.enabled();
    }

    public long revision() {
        return state.revision();
    }

    /** The user, or null. */
    public User user(String name) {
        return state.users().get(name);
    }

    /** The role, or null. */
    public Role role(String name) {
        return state.roles().get(name);
    }

    /** User names in order. */
    public List<String> userNames() {
        return List.copyOf(state.users().keySet());
    }

    /** Role names in order. */
    public List<String> roleNames() {
        return List.copyOf(state.roles().keySet());
    }

    static boolean hasRootRole(User user) {
        return user.getRolesList().contains(ROOT);
    }

    /**
     * etcd's isOpPermitted: nothing to check while auth is off; a request without a user is
     * {@code USER_EMPTY}; one checked at an older auth revision is {@code AUTH_OLD_REVISION} (the
     * client authenticates again); a user with the root role may do anything; any other needs a
     * permission covering {@code [key, rangeEnd)} (one key when {@code rangeEnd} is empty).
     */
    public void checkPermitted(AuthInfo who, ByteString key, ByteString rangeEnd, boolean write) {
        State s = state;
        if (!s.enabled()) {
            return;
        }
        if (who.revision() == 0) {
            throw EtcdError.USER_EMPTY.exception();
        }
        if (who.revision() < s.revision()) {
            throw EtcdError.AUTH_OLD_REVISION.exception();
        }
        User user = s.users().get(who.username());
        if (user == null) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
        if (hasRootRole(user) || permitted(s, user, write).permits(key, rangeEnd)) {
            return;
        }
        throw EtcdError.PERMISSION_DENIED.exception();
    }

    /** etcd's IsAdminPermitted: with auth on, only a user with the root role. */
    public void checkAdmin(AuthInfo who) {
        State s = state;
        if (!s.enabled()) {
            return;
        }
        if (who.isNone()) {
            throw EtcdError.USER_EMPTY.exception();
        }
        User user = s.users().get(who.username());
        if (user == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        if (!hasRootRole(user)) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
    }

    private PermittedRanges permitted(State s, User user, boolean write) {
        PermittedRanges[] both = s.permitted().computeIfAbsent(user.getName().toStringUtf8(), n -> {
            List<Permission> all = new ArrayList<>();
            for (String roleName : user.getRolesList()) {
                Role role = s.roles().get(roleName);
                if (role != null) {
                    all.addAll(role.getKeyPermissionList());
                }
            }
            return new PermittedRanges[] {PermittedRanges.of(all, false), PermittedRanges.of(all, true)};
        });
        return both[write ? 1 : 0];
    }

    /**
     * Checks a password on the member the Authenticate arrived at, before it is proposed
     * (bcrypt: slow, so never in the apply loop); returns the auth revision it was checked at.
     */
    public long checkPassword(String name, String password) {
        State s = state;
        if (!s.enabled()) {
            throw EtcdError.AUTH_NOT_ENABLED.exception();
        }
        User user = s.users().get(name);
        if (user == null || user.getOptions().getNoPassword()
                || !Passwords.matches(password, user.getPassword().toByteArray())) {
            throw EtcdError.AUTH_FAILED.exception();
        }
        return s.revision();
    }

    /** The user a token stands for; {@code INVALID_AUTH_TOKEN} for an unknown or expired one. */
    public AuthInfo tokenInfo(String token) {
        return tokens.info(token).orElseThrow(EtcdError.INVALID_AUTH_TOKEN::exception);
    }

    /** Whether the user has the role (etcd's HasRole), for a RoleGet of one's own role. */
    public boolean hasRole(String username, String role) {
        User user = state.users().get(username);
        return user != null && user.getRolesList().contains(role);
    }

    // ---- changes, from the apply loop inside a backend write

    /**
     * etcd's Authenticate as applied: the password was checked by the proposer; here the user
     * must still exist and have a password, and the token {@code prefix.index} is assigned.
     */
    public String authenticate(String name, String prefix, long index) {
        State s = state;
        if (!s.enabled()) {
            throw EtcdError.AUTH_NOT_ENABLED.exception();
        }
        User user = s.users().get(name);
        if (user == null || user.getOptions().getNoPassword()) {
            throw EtcdError.AUTH_FAILED.exception();
        }
        return tokens.assign(prefix, index, name, s.revision());
    }

    /** etcd's AuthEnable: needs a root user with the root role; enabling twice changes nothing. */
    public void enable() {
        State s = state;
        if (s.enabled()) {
            return;
        }
        User root = s.users().get(ROOT);
        if (root == null) {
            throw EtcdError.ROOT_USER_NOT_EXIST.exception();
        }
        if (!hasRootRole(root)) {
            throw EtcdError.ROOT_ROLE_NOT_EXIST.exception();
        }
        auth.put(ENABLED_KEY, new byte[] {1});
        publish(new State(true, bump(s), s.users(), s.roles()));
    }

    public void disable() {
        State s = state;
        if (!s.enabled()) {
            return;
        }
        auth.put(ENABLED_KEY, new byte[] {0});
        publish(new State(false, bump(s), s.users(), s.roles()));
        tokens.clear();
    }

    /** {@code hashedPassword} is the bcrypt hash, or empty for a user without password. */
    public void userAdd(String name, String hashedPassword, boolean noPassword) {
        if (name.isEmpty()) {
            throw EtcdError.USER_EMPTY.exception();
        }
        State s = state;
        if (s.users().containsKey(name)) {
            throw EtcdError.USER_ALREADY_EXIST.exception();
        }
        User.Builder user = User.newBuilder().setName(ByteString.copyFromUtf8(name));
        if (noPassword) {
            user.getOptionsBuilder().setNoPassword(true);
        } else {
            user.setPassword(ByteString.copyFromUtf8(hashedPassword));
        }
        putUser(s, user.build());
    }

    public void userDelete(String name) {
        State s = state;
        if (s.enabled() && name.equals(ROOT)) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        if (!s.users().containsKey(name)) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        users.delete(bytes(name));
        Map<String, User> u = new TreeMap<>(s.users());
        u.remove(name);
        publish(new State(s.enabled(), bump(s), Collections.unmodifiableMap(u), s.roles()));
        tokens.invalidateUser(name);
    }

    public void userChangePassword(String name, String hashedPassword) {
        State s = state;
        User user = s.users().get(name);
        if (user == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        putUser(s, user.toBuilder().setPassword(ByteString.copyFromUtf8(hashedPassword)).build());
        tokens.invalidateUser(name);
    }

    /** Granting a role the user has already is ignored, as etcd ignores it (no new revision). */
    public void userGrantRole(String name, String role) {
        State s = state;
        User user = s.users().get(name);
        if (user == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        if (!role.equals(ROOT) && !s.roles().containsKey(role)) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        if (user.getRolesList().contains(role)) {
            return;
        }
        List<String> roles = new ArrayList<>(user.getRolesList());
        roles.add(role);
        Collections.sort(roles);
        putUser(s, user.toBuilder().clearRoles().addAllRoles(roles).build());
    }

    public void userRevokeRole(String name, String role) {
        State s = state;
        if (s.enabled() && name.equals(ROOT) && role.equals(ROOT)) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        User user = s.users().get(name);
        if (user == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        if (!user.getRolesList().contains(role)) {
            throw EtcdError.ROLE_NOT_GRANTED.exception();
        }
        List<String> roles = new ArrayList<>(user.getRolesList());
        roles.remove(role);
        putUser(s, user.toBuilder().clearRoles().addAllRoles(roles).build());
    }

    public void roleAdd(String name) {
        if (name.isEmpty()) {
            throw EtcdError.ROLE_EMPTY.exception();
        }
        State s = state;
        if (s.roles().containsKey(name)) {
            throw EtcdError.ROLE_ALREADY_EXIST.exception();
        }
        putRole(s, Role.newBuilder().setName(ByteString.copyFromUtf8(name)).build());
    }

    /** Deletes the role and takes it from every user that had it. */
    public void roleDelete(String name) {
        State s = state;
        if (s.enabled() && name.equals(ROOT)) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        if (!s.roles().containsKey(name)) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        roles.delete(bytes(name));
        Map<String, Role> r = new TreeMap<>(s.roles());
        r.remove(name);
        Map<String, User> u = new TreeMap<>(s.users());
        for (User user : s.users().values()) {
            if (user.getRolesList().contains(name)) {
                List<String> kept = new ArrayList<>(user.getRolesList());
                kept.remove(name);
                User changed = user.toBuilder().clearRoles().addAllRoles(kept).build();
                users.put(changed.getName().toByteArray(), changed.toByteArray());
                u.put(changed.getName().toStringUtf8(), changed);
            }
        }
        publish(new State(s.enabled(), bump(s), Collections.unmodifiableMap(u), Collections.unmodifiableMap(r)));
    }

    /**
     * Adds the permission, or changes the type of one on the same key and range end; the
     * permissions stay ordered by key, as etcd keeps them.
     */
    public void roleGrantPermission(String name, Permission permission) {
        State s = state;
        Role role = s.roles().get(name);
        if (role == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
        int at = find(perms, permission.getKey(), permission.getRangeEnd());
        if (at >= 0) {
            perms.set(at, permission);
        } else {
            perms.add(permission);
            perms.sort((a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getKey(), b.getKey()));
        }
        putRole(s, role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
    }

    public void roleRevokePermission(String name, ByteString key, ByteString rangeEnd) {
        State s = state;
        Role role = s.roles().get(name);
        if (role == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
        int at = find(perms, key, rangeEnd);
        if (at < 0) {
            throw EtcdError.PERMISSION_NOT_GRANTED.exception();
        }
        perms.remove(at);
        putRole(s, role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
    }

    private static int find(List<Permission> perms, ByteString key, ByteString rangeEnd) {
        for (int i = 0; i < perms.size(); i++) {
            if (perms.get(i).getKey().equals(key) && perms.get(i).getRangeEnd().equals(rangeEnd)) {
                return i;
            }
        }
        return -1;
    }

    private void putUser(State s, User user) {
        users.put(user.getName().toByteArray(), user.toByteArray());
        Map<String, User> u = new TreeMap<>(s.users());
        u.put(user.getName().toStringUtf8(), user);
        publish(new State(s.enabled(), bump(s), Collections.unmodifiableMap(u), s.roles()));
    }

    private void putRole(State s, Role role) {
        roles.put(role.getName().toByteArray(), role.toByteArray());
        Map<String, Role> r = new TreeMap<>(s.roles());
        r.put(role.getName().toStringUtf8(), role);
        publish(new State(s.enabled(), bump(s), s.users(), Collections.unmodifiableMap(r)));
    }

    /** The next revision, written to the backend; the caller publishes it with the change. */
    private long bump(State s) {
        long next = s.revision() + 1;
        auth.put(REVISION_KEY, ByteBuffer.allocate(Long.BYTES).putLong(next).array());
        return next;
    }

    private void publish(State next) {
        state = next;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
