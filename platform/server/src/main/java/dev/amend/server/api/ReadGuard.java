package dev.amend.server.api;

import dev.amend.server.auth.AccessDeniedException;
import dev.amend.server.auth.BearerAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * With {@code amend.auth.protect-reads=true} the metrics ({@code /q/metrics}) and the OpenAPI document
 * ({@code /q/openapi}) need the bearer token like the API's reads; health ({@code /q/health}) stays open for probes.
 * These endpoints are the framework's, outside the REST filters, so the check runs as a route before them.
 */
@ApplicationScoped
public class ReadGuard {
    @Inject
    BearerAuth auth;

    void install(@Observes Router router) {
        router.route().order(BodyLimit.ORDER + 1).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        if (auth.readsProtected() && (path.startsWith("/q/metrics") || path.startsWith("/q/openapi"))) {
            try {
                auth.check(ctx.request().getHeader("Authorization"), false);
            } catch (AccessDeniedException e) {
                MetricsPaths.tag(ctx, path.startsWith("/q/metrics") ? "/q/metrics" : "/q/openapi");
                ctx.response().setStatusCode(e.unconfigured() ? 403 : 401)
                        .putHeader("Content-Type", "application/json")
                        .putHeader("WWW-Authenticate", "Bearer realm=\"amend\"")
                        .end(new JsonObject().put("error", e.unconfigured() ? "forbidden" : "unauthorized")
                                .put("message", e.getMessage()).encode());
                return;
            }
        }
        ctx.next();
    }
}
