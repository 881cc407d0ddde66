package dev.amend.server.api;

import dev.amend.server.grpc.v1.AmendGrpc;
import io.grpc.MethodDescriptor;
import io.quarkus.micrometer.runtime.binder.vertx.HttpRequestMetric;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Keeps raw request paths out of the HTTP metrics' {@code uri} tag, which would otherwise grow without bound: a gRPC
 * call is tagged with its method when the host serves it and {@value #UNKNOWN_GRPC} otherwise, and an answer a route
 * of the host gives before any resource is matched (413 for a body too large, 401 for protected metrics) with a
 * fixed name. REST resources are tagged with their path templates by the framework.
 */
@ApplicationScoped
public class MetricsPaths {
    /** The tag of a gRPC call to a method the host does not serve. */
    static final String UNKNOWN_GRPC = "UNKNOWN_GRPC_METHOD";
    /** The tag of a request refused before routing because its body was announced too large. */
    static final String TOO_LARGE = "TOO_LARGE";
    private static final Set<String> SERVED = AmendGrpc.getServiceDescriptor().getMethods().stream()
            .map(MethodDescriptor::getFullMethodName).map(n -> "/" + n).collect(Collectors.toUnmodifiableSet());

    void install(@Observes Router router) {
        router.route().order(BodyLimit.ORDER - 1).handler(ctx -> {
            String type = ctx.request().getHeader("Content-Type");
            if (type != null && type.startsWith("application/grpc")) {
                String path = ctx.request().path();
                tag(ctx, SERVED.contains(path) ? path : UNKNOWN_GRPC);
            }
            ctx.next();
        });
    }

    /** Tags the request of {@code ctx} with {@code name} in the HTTP metrics (nothing when metrics are off). */
    static void tag(RoutingContext ctx, String name) {
        try {
            HttpRequestMetric metric = HttpRequestMetric.getRequestMetric(ctx);
            if (metric != null) {
                metric.setTemplatePath(name);
            }
        } catch (RuntimeException e) {
            // another metrics implementation: nothing to tag
        }
    }
}
