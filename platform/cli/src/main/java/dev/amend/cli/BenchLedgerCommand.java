package dev.amend.cli;

import dev.amend.runtime.bench.LedgerBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend bench ledger}: the edit ledger's cost to record, replay, roll back and ship edits. */
@Command(name = "ledger", mixinStandardHelpOptions = true,
        description = "Time recording rank-one (ROME-sized) and dense edits in the durable ledger, replaying them"
                + " on a fresh model, a rollback in the middle, and a patch export and import.")
final class BenchLedgerCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--edits", defaultValue = "100", description = "Rank-one edits (default ${DEFAULT-VALUE}).")
    int edits;

    @Option(names = "--dense", defaultValue = "3", description = "Dense edits of a whole MLP matrix (default ${DEFAULT-VALUE}).")
    int dense;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where to write the ledger (default: a temporary directory, deleted afterwards).")
    Path dir;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path work = dir != null ? dir : Files.createTempDirectory("amend-bench-ledger");
        try {
            LedgerBenchmark.Result r = LedgerBenchmark.run(modelOptions::load, work, edits, dense);
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("directory", work.toString());
                o.put("result", r);
                System.out.println(Json.of(o));
            } else {
                System.out.printf("edit ledger on %s (%.1fM parameters, %.1f MB of weights), in %s%n", r.model(),
                        r.parameters() / 1e6, r.modelBytes() / 1e6, work);
                System.out.printf("  record rank-one edit   mean %7.2f ms  median %7.2f ms  p95 %7.2f ms  (%d edits,"
                        + " %d bytes each)%n", r.rankOneMillis()[0], r.rankOneMillis()[1], r.rankOneMillis()[2],
                        r.rankOneEdits(), r.rankOneBytes());
                System.out.printf("  record dense edit      mean %7.2f ms  median %7.2f ms  p95 %7.2f ms  (%d edits,"
                        + " %d bytes each)%n", r.denseMillis()[0], r.denseMillis()[1], r.denseMillis()[2],
                        r.denseEdits(), r.denseBytes());
                System.out.printf("  ledger on disk         %.2f MB; base copies for rollback %.2f MB (%.1f%% of the"
                        + " weights)%n", r.ledgerBytes() / 1e6, r.baseCopyBytes() / 1e6,
                        100.0 * r.baseCopyBytes() / r.modelBytes());
                System.out.printf("  load fresh model       %7.3f s%n", r.loadSeconds());
                System.out.printf("  reopen + replay        %7.3f s  (%d edits)%n", r.replaySeconds(),
                        r.rankOneEdits() + r.denseEdits());
                System.out.printf("  rollback in the middle %7.3f s  (restore from base, re-apply the rest)%n",
                        r.rollbackSeconds());
                System.out.printf("  export patch           %7.3f s  (%.2f MB)%n", r.exportSeconds(), r.patchBytes() / 1e6);
                System.out.printf("  import patch           %7.3f s%n", r.importSeconds());
                System.out.printf("  weights after replay and import equal the recorded ones bit for bit: %s%n",
                        r.bitExact());
            }
            return r.bitExact() ? 0 : 1;
        } finally {
            if (dir == null) {
                try (Stream<Path> s = Files.walk(work)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
