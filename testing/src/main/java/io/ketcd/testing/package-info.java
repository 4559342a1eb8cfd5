/**
 * What every module's tests share: {@link io.ketcd.testing.Await}, the bounded wait that parks,
 * and {@link io.ketcd.testing.FreePorts}; the facet fakes in {@code fakes}; and in {@code cluster}
 * the cluster scenarios, written once and run over every kind of test cluster.
 */
package io.ketcd.testing;
