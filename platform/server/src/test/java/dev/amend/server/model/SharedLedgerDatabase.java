package dev.amend.server.model;

import dev.amend.runtime.ledger.LedgerDatabase;
import dev.amend.runtime.ledger.PostgresCluster;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A private PostgreSQL for a host under test: started before the host, which gets {@code amend.ledger.url}, the user
 * and a password file; stopped after. Tests reach the cluster through {@link #cluster()} (to stop and start it).
 */
public class SharedLedgerDatabase implements QuarkusTestResourceLifecycleManager {
    private static volatile PostgresCluster cluster;
    private Path passwordFile;

    /** Returns true when this machine has the PostgreSQL binaries (the tests that need them run only then). */
    public static boolean available() {
        return PostgresCluster.binaries().isPresent();
    }

    /** Returns the running cluster. */
    public static PostgresCluster cluster() {
        return cluster;
    }

    /** Returns the settings a second replica in the test uses to reach the same ledger. */
    public static LedgerDatabase database() {
        return cluster.database("amend");
    }

    @Override
    public Map<String, String> start() {
        try {
            cluster = PostgresCluster.startOrSkip();
            passwordFile = Files.createTempFile("amend-ledger-password", "");
            Files.writeString(passwordFile, PostgresCluster.PASSWORD + "\n");
        } catch (Exception e) {
            throw new IllegalStateException("could not start the test PostgreSQL: " + e.getMessage(), e);
        }
        return Map.of("amend.ledger.url", cluster.url("amend"), "amend.ledger.user", PostgresCluster.USER,
                "amend.ledger.password-file", passwordFile.toString());
    }

    @Override
    public void stop() {
        try {
            if (cluster != null) {
                cluster.close();
            }
            if (passwordFile != null) {
                Files.deleteIfExists(passwordFile);
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the test PostgreSQL: " + e.getMessage(), e);
        }
    }
}
