package io.ketcd.shell.internal;

import io.ketcd.api.service.KvService;

import org.apache.karaf.shell.api.action.lifecycle.Reference;

/** A command on the key space: {@code etcd:put}, {@code etcd:get}, {@code etcd:del}. */
abstract class KvCommand extends EtcdCommand {

    @Reference
    KvService kv;
}
