package dev.amend.cli;

import dev.amend.runtime.bench.ReplicaBenchmark;
import dev.amend.runtime.ledger.LedgerDatabase;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend bench replicas}: propagation latency and edit throughput of a ledger shared in PostgreSQL. */
@Command(name = "replicas", mixinStandardHelpOptions = true,
        description = "Time a ledger shared in PostgreSQL by three replicas of one model: how long after an edit is"
                + " acknowledged on one replica the others have applied it (p50, p99), and the edits per second with"
                + " one and with three replicas recording. Writes into the model's ledger in that database: use a"
                + " database of its own.")
final class BenchReplicasCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--ledger-url", required = true, paramLabel = "URL",
            description = "The database (jdbc:postgresql://host:5432/db).")
    String url;

    @Option(names = "--ledger-user", paramLabel = "USER", description = "The database user.")
    String user;

    @Option(names = "--ledger-password-file", paramLabel = "FILE",
            description = "A file whose first line is the password (default: AMEND_LEDGER_PASSWORD, else none).")
    Path passwordFile;

    @Option(names = "--edits", defaultValue = "100", description = "Edits per phase (default ${DEFAULT-VALUE}).")
    int edits;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        LedgerDatabase db = LedgerDatabase.of(url, user, System.getenv("AMEND_LEDGER_PASSWORD"), passwordFile);
        ReplicaBenchmark.Result r = ReplicaBenchmark.run(modelOptions::load, db, edits);
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("database", db.location());
            o.put("result", r);
            System.out.println(Json.of(o));
        } else {
            System.out.printf("shared ledger of %s in %s, three replicas, %d rank-one edits per phase%n", r.model(),
                    db.location(), r.edits());
            System.out.printf("  propagation     p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms%n", r.propagationMillis()[0],
                    r.propagationMillis()[1], r.propagationMillis()[2]);
            System.out.printf("  one replica     %7.1f edits/s%n", r.oneReplicaPerSecond());
            System.out.printf("  three replicas  %7.1f edits/s (together, one writer at a time)%n",
                    r.threeReplicasPerSecond());
            System.out.printf("  all three hold the same weights bit for bit: %s%n", r.converged());
        }
        return r.converged() ? 0 : 1;
    }
}
