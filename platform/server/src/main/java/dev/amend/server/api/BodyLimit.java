package dev.amend.server.api;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a body announced larger than {@code quarkus.http.limits.max-body-size} with 413 and the same JSON
 * error body as every other refusal, before any of it is read (the framework's own check answers without
 * a body). A chunked body with no length is still cut off by the framework at the limit.
 */
@ApplicationScoped
public class BodyLimit {
    /** Runs before the framework's upload limit check (order -2). */
    static final int ORDER = -3;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10M")
    MemorySize limit;

    void install(@Observes Router router) {
        long max = limit.asLongValue();
        router.route().order(ORDER).handler(ctx -> {
            String length = ctx.request().getHeader("Content-Length");
            long announced = -1;
            if (length != null) {
                try {
                    announced = Long.parseLong(length.trim());
                } catch (NumberFormatException e) {
                    // not a number: left to the framework, which refuses it
                }
            }
            if (announced > max) {
                MetricsPaths.tag(ctx, MetricsPaths.TOO_LARGE);
                String message = "the body is " + announced + " bytes, more than the host's limit of " + max
                        + " bytes (quarkus.http.limits.max-body-size): send less, or raise the limit";
                ctx.response().setStatusCode(413).putHeader("Content-Type", "application/json")
                        .putHeader("Connection", "close")
                        .end(new JsonObject().put("error", "too_large").put("message", message).encode())
                        .onComplete(done -> ctx.request().connection().close());
                return;
            }
            ctx.next();
        });
    }
}
