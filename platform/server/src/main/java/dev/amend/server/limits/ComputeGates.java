package dev.amend.server.limits;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Makes the host's one {@link ComputeGate} from the configuration. */
@ApplicationScoped
public class ComputeGates {
    @ConfigProperty(name = "amend.generate.max-concurrent", defaultValue = "0")
    int maxConcurrent;

    @ConfigProperty(name = "amend.generate.max-concurrent-while-editing", defaultValue = "1")
    int maxWhileEditing;

    @ConfigProperty(name = "amend.generate.max-waiting", defaultValue = "256")
    int maxWaiting;

    @ConfigProperty(name = "amend.generate.max-wait-millis", defaultValue = "60000")
    long maxWaitMillis;

    /** Returns the gate; {@code amend.generate.max-concurrent=0} (the default) means one generation per core. */
    @Produces
    @Singleton
    ComputeGate gate() {
        int concurrent = maxConcurrent > 0 ? maxConcurrent : Runtime.getRuntime().availableProcessors();
        return new ComputeGate(concurrent, maxWhileEditing, maxWaiting, maxWaitMillis);
    }
}
