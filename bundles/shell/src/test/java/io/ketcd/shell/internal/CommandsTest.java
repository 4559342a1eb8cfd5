package io.ketcd.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.junit.jupiter.api.Test;

/** Karaf registers what Karaf-Commands' package holds with @Service: these four, in scope etcd. */
class CommandsTest {
    @Test
    void everyCommandIsAServiceInScopeEtcd() {
        List<Class<?>> commands = List.of(PutCommand.class, GetCommand.class, DelCommand.class, StatusCommand.class);
        assertThat(commands).allSatisfy(c -> {
            assertThat(c.getAnnotation(Service.class)).as(c.getSimpleName()).isNotNull();
            assertThat(c.getAnnotation(Command.class).scope()).isEqualTo("etcd");
        });
        assertThat(commands).extracting(c -> c.getAnnotation(Command.class).name())
                .containsExactly("put", "get", "del", "status");
    }
}
