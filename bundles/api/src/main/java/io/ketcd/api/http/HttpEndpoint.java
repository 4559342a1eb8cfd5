package io.ketcd.api.http;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Puts a Declarative Services component on the HTTP handler whiteboard: the component's
 * properties {@link HttpWhiteboard#PATH} and {@link HttpWhiteboard#ROLE}. For example
 * <pre>{@code
 * @Component(service = HttpHandler.class)
 * @HttpEndpoint(path = "/example/hello")
 * public final class HelloHandler extends HttpHandler { ... }
 * }</pre>
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface HttpEndpoint {
    /** Makes {@code path()} the property {@code ketcd.http.path}, and {@code role()} {@code ketcd.http.role}. */
    String PREFIX_ = "ketcd.http.";

    /** The path served, with Go's {@code ServeMux} rules (see {@link HttpWhiteboard}). */
    String path();

    /** {@link HttpWhiteboard#CLIENT_HTTP} or {@link HttpWhiteboard#PEER}. */
    String role() default HttpWhiteboard.CLIENT_HTTP;
}
