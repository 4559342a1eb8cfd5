/** The OSGi adapter of the raft core: the DS component behind {@link io.ketcd.api.raft.RaftCore}. */
package io.ketcd.raft.internal;
