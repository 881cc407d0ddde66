package dev.amend.server.model;

import dev.amend.runtime.ledger.LedgerDatabase;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where the replicas' shared state lives: {@code amend.ledger.url} (a PostgreSQL database) with
 * {@code amend.ledger.user} and {@code amend.ledger.password} or {@code amend.ledger.password-file}; unset, each
 * host keeps its ledger in files and its plugins in its own directory.
 */
@ApplicationScoped
public class LedgerSettings {
    @ConfigProperty(name = "amend.ledger.url")
    Optional<String> url;

    @ConfigProperty(name = "amend.ledger.user")
    Optional<String> user;

    @ConfigProperty(name = "amend.ledger.password")
    Optional<String> password;

    @ConfigProperty(name = "amend.ledger.password-file")
    Optional<Path> passwordFile;

    @ConfigProperty(name = "amend.ledger.writer-wait", defaultValue = "5m")
    Duration writerWait;

    /** Returns the shared database, or empty when the host keeps its state in files. */
    public Optional<LedgerDatabase> database() {
        return url.map(u -> LedgerDatabase.of(u, user.orElse(null), password.orElse(null), passwordFile.orElse(null)));
    }

    /** Returns how long a change waits for another replica's change of the same model. */
    public Duration writerWait() {
        return writerWait;
    }
}
