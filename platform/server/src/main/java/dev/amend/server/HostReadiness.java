package dev.amend.server;

import dev.amend.server.model.HostedModels;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once every configured model is loaded (its ledger replayed); not ready again once the host begins to stop. */
@Readiness
@ApplicationScoped
public class HostReadiness implements HealthCheck {
    private final HostedModels models;
    private final ShutdownDrain drain;

    /** Returns the readiness check of {@code models}, reporting not ready while {@code drain} stops the host. */
    @Inject
    public HostReadiness(HostedModels models, ShutdownDrain drain) {
        this.models = models;
        this.drain = drain;
    }

    /** Returns UP with the served models' names once they are loaded, DOWN before and while shutting down. */
    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("models")
                .status(models.ready() && !drain.draining())
                .withData("models", String.join(",", models.all().stream().map(m -> m.name()).toList()))
                .build();
    }
}
