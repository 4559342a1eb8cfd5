/**
 * The filters and relay behind {@link io.ketcd.host.GrizzlyListenerServer}: Go's net/http
 * handling of bad request heads ({@code RequestHeadFilter}, {@code RequestHeadScanner}) and
 * broken bodies ({@code BrokenBodyFilter}), TLS from the listener's policy ({@code
 * PolicyEngineConfigurator}), serving an already bound channel ({@code ChannelAdoption}), and the
 * Unix socket relay ({@code UnixRelay}) with its guard on the internal port ({@code
 * RelayGuardFilter}). Answers to bad input copy etcd 3.4.23's (Go's) bytes; checked against a
 * running etcd. Private to the bundle.
 */
package io.ketcd.host.internal;
