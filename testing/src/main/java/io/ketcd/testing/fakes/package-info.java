/**
 * Fakes of the server's service facets, one per facet: each records the requests it receives as
 * etcd's messages and answers each method as the test scripted it with an {@link
 * io.ketcd.testing.fakes.Answer}. A bundle's tests compose the facets its code uses.
 */
package io.ketcd.testing.fakes;
