package io.ketcd.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;

import io.ketcd.api.EtcdError;
import io.ketcd.api.EtcdException;
import io.ketcd.proto.authpb.Permission;
import io.ketcd.storage.BackendOptions;
import io.ketcd.storage.MvStoreBackend;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd 3.4's auth store rules, and that the store survives a reopen of its backend. */
class AuthStoreTest {
    @TempDir
    Path dir;

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static void assertError(Runnable r, EtcdError error) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(EtcdException.class, e -> assertThat(e.error()).isEqualTo(error));
    }

    private static <T> T write(MvStoreBackend b, java.util.function.Supplier<T> work) {
        return b.write(work);
    }

    @Test
    void etcdsRulesForUsersRolesAndEnabling() throws Exception {
        SimpleTokens tokens = new SimpleTokens(Duration.ofMinutes(5), System::nanoTime);
        try (MvStoreBackend backend = MvStoreBackend.open(dir.resolve("db"), BackendOptions.DEFAULTS)) {
            AuthStore auth = new AuthStore(backend, tokens);
            assertError(() -> write(backend, () -> { auth.enable(); return null; }), EtcdError.ROOT_USER_NOT_EXIST);
            write(backend, () -> { auth.userAdd("root", Passwords.hash("pw", 4), false); return null; });
            assertError(() -> write(backend, () -> { auth.enable(); return null; }), EtcdError.ROOT_ROLE_NOT_EXIST);
            assertError(() -> write(backend, () -> { auth.userAdd("root", "", true); return null; }), EtcdError.USER_ALREADY_EXIST);
            assertError(() -> write(backend, () -> { auth.userAdd("", "", true); return null; }), EtcdError.USER_EMPTY);
            assertError(() -> write(backend, () -> { auth.userGrantRole("root", "nope"); return null; }), EtcdError.ROLE_NOT_FOUND);
            write(backend, () -> { auth.userGrantRole("root", "root"); return null; });
            write(backend, () -> { auth.roleAdd("r"); return null; });
            write(backend, () -> {
                auth.roleGrantPermission("r", Permission.newBuilder().setKey(bs("a/")).setRangeEnd(bs("a0"))
                        .setPermType(Permission.Type.READ).build());
                return null;
            });
            write(backend, () -> { auth.userAdd("u", Passwords.hash("upw", 4), false); auth.userGrantRole("u", "r"); return null; });
            long before = auth.revision();
            write(backend, () -> { auth.userGrantRole("u", "r"); return null; });
            assertThat(auth.revision()).as("granting a role again changes nothing").isEqualTo(before);
            write(backend, () -> { auth.enable(); return null; });
            assertError(() -> write(backend, () -> { auth.userDelete("root"); return null; }), EtcdError.INVALID_AUTH_MGMT);
            assertError(() -> write(backend, () -> { auth.userRevokeRole("root", "root"); return null; }),
                    EtcdError.INVALID_AUTH_MGMT);
            assertError(() -> write(backend, () -> { auth.roleRevokePermission("r", bs("b"), ByteString.EMPTY); return null; }),
                    EtcdError.PERMISSION_NOT_GRANTED);

            AuthInfo u = new AuthInfo("u", auth.revision());
            auth.checkPermitted(u, bs("a/x"), ByteString.EMPTY, false);
            auth.checkPermitted(u, bs("a/"), bs("a0"), false);
            assertError(() -> auth.checkPermitted(u, bs("a/x"), ByteString.EMPTY, true), EtcdError.PERMISSION_DENIED);
            assertError(() -> auth.checkPermitted(u, bs("a"), bs("a0"), false), EtcdError.PERMISSION_DENIED);
            assertError(() -> auth.checkPermitted(AuthInfo.NONE, bs("a/x"), ByteString.EMPTY, false), EtcdError.USER_EMPTY);
            assertError(() -> auth.checkAdmin(u), EtcdError.PERMISSION_DENIED);
            auth.checkAdmin(new AuthInfo("root", auth.revision()));
            assertThat(auth.checkPassword("u", "upw")).isEqualTo(auth.revision());
            assertError(() -> auth.checkPassword("u", "wrong"), EtcdError.AUTH_FAILED);

            write(backend, () -> { auth.roleAdd("other"); return null; });
            assertError(() -> auth.checkPermitted(u, bs("a/x"), ByteString.EMPTY, false), EtcdError.AUTH_OLD_REVISION);
            backend.commit();
        }
        try (MvStoreBackend reopened = MvStoreBackend.open(dir.resolve("db"), BackendOptions.DEFAULTS)) {
            AuthStore auth = new AuthStore(reopened, tokens);
            assertThat(auth.enabled()).isTrue();
            assertThat(auth.userNames()).containsExactly("root", "u");
            assertThat(auth.roleNames()).containsExactly("other", "r");
            assertThat(auth.user("u").getRolesList()).containsExactly("r");
        }
    }

    @Test
    void mergedRangesCoverARequestOnlyWhenOneMergedRangeHoldsAllOfIt() {
        PermittedRanges ranges = PermittedRanges.of(java.util.List.of(
                Permission.newBuilder().setKey(bs("a")).setRangeEnd(bs("c")).setPermType(Permission.Type.READWRITE).build(),
                Permission.newBuilder().setKey(bs("c")).setRangeEnd(bs("e")).setPermType(Permission.Type.READ).build(),
                Permission.newBuilder().setKey(bs("x")).setPermType(Permission.Type.WRITE).build(),
                Permission.newBuilder().setKey(bs("z")).setRangeEnd(bs("\0")).setPermType(Permission.Type.READ).build()),
                false);
        assertThat(ranges.permits(bs("a"), bs("e"))).as("adjacent ranges merge").isTrue();
        assertThat(ranges.permits(bs("b"), bs("f"))).isFalse();
        assertThat(ranges.permits(bs("x"), ByteString.EMPTY)).as("write only").isFalse();
        assertThat(ranges.permits(bs("zz"), bs("\0"))).as("to the end").isTrue();
        assertThat(ranges.permits(bs("zzz"), ByteString.EMPTY)).isTrue();
    }
}
