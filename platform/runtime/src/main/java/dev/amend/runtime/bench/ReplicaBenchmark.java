package dev.amend.runtime.bench;

import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.ledger.LedgerDatabase;
import dev.amend.spi.model.EditableModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Times a ledger shared in PostgreSQL by three replicas of one model (three ledger objects on three copies of the
 * model, in this process, each with its own connections, as three hosts have): how long after one replica's edit is
 * acknowledged the other two have applied it (LISTEN/NOTIFY, then reading and applying the record), and how many
 * rank-one edits per second one replica records alone and three record together (one writer at a time: each edit
 * takes the writer lock and first applies the others' edits).
 */
public final class ReplicaBenchmark {
    private ReplicaBenchmark() {
    }

    /**
     * The figures.
     *
     * @param model              the model's name
     * @param edits              edits recorded in each phase
     * @param propagationMillis  milliseconds from an edit's acknowledgement on one replica to its application on each
     *                           of the two others: median, 99th percentile, maximum
     * @param oneReplicaPerSecond   edits per second recorded by one replica alone
     * @param threeReplicasPerSecond edits per second recorded by three replicas at once (in total)
     * @param converged          true when all three replicas hold the same weights, bit for bit, at the end
     */
    public record Result(String model, int edits, double[] propagationMillis, double oneReplicaPerSecond,
                         double threeReplicasPerSecond, boolean converged) {
    }

    /** Returns the figures for {@code edits} edits per phase on models from {@code fresh}, sharing {@code db}. */
    public static Result run(Supplier<EditableModel> fresh, LedgerDatabase db, int edits) throws InterruptedException {
        List<EditableModel> models = new ArrayList<>();
        List<EditLedger> ledgers = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                models.add(fresh.get());
                ledgers.add(EditLedger.open(db, models.get(i)));
            }
            Map<String, Long> acknowledged = new ConcurrentHashMap<>();
            List<Double> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> followers = new ArrayList<>();
            for (EditLedger follower : ledgers.subList(1, 3)) {
                followers.add(follow(follower, acknowledged, latencies));
            }
            Random r = new Random(17);
            long t0 = System.nanoTime();
            for (int i = 0; i < edits; i++) {
                String id = ledgers.get(0).record(LedgerBenchmark.benchEdit(models.get(0), i, false, r), Map.of()).id();
                acknowledged.put(id, System.nanoTime());
            }
            double one = edits / ((System.nanoTime() - t0) / 1e9);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (latencies.size() < 2 * edits && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            followers.forEach(Thread::interrupt);
            for (Thread t : followers) {
                t.join();
            }
            double[] propagation = percentiles(latencies);
            double three = together(ledgers, models, edits);
            for (EditLedger l : ledgers) {
                l.catchUp();
            }
            var first = LedgerBenchmark.bits(models.get(0));
            boolean converged = LedgerBenchmark.equal(first, LedgerBenchmark.bits(models.get(1)))
                    && LedgerBenchmark.equal(first, LedgerBenchmark.bits(models.get(2)))
                    && latencies.size() == 2 * edits;
            return new Result(models.get(0).name(), edits, propagation, one, three, converged);
        } finally {
            ledgers.forEach(EditLedger::close);
            models.forEach(LedgerBenchmark::close);
        }
    }

    /** Returns a started thread that applies {@code ledger}'s news and notes each acknowledged edit's delay. */
    private static Thread follow(EditLedger ledger, Map<String, Long> acknowledged, List<Double> latencies) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    ledger.awaitChange(Duration.ofMillis(200));
                    for (String id : ledger.catchUp().added()) {
                        long now = System.nanoTime();
                        Long at = acknowledged.get(id);
                        // the writer notes the time just after record returns, so spin briefly for it
                        while (at == null && System.nanoTime() - now < 1_000_000_000L) {
                            Thread.onSpinWait();
                            at = acknowledged.get(id);
                        }
                        latencies.add(at == null ? Double.NaN : Math.max(0, now - at) / 1e6);
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-follow");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Returns the edits per second three replicas record together, {@code edits} in all. */
    private static double together(List<EditLedger> ledgers, List<EditableModel> models, int edits)
            throws InterruptedException {
        List<Thread> writers = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int w = 0; w < 3; w++) {
            int from = edits + w * ((edits + 2) / 3);
            int to = Math.min(2 * edits, from + (edits + 2) / 3);
            EditLedger ledger = ledgers.get(w);
            EditableModel model = models.get(w);
            Thread t = new Thread(() -> {
                Random r = new Random(from);
                for (int i = from; i < to; i++) {
                    ledger.record(LedgerBenchmark.benchEdit(model, i, false, r), Map.of());
                }
            }, "bench-writer-" + w);
            writers.add(t);
            t.start();
        }
        for (Thread t : writers) {
            t.join();
        }
        return edits / ((System.nanoTime() - t0) / 1e9);
    }

    /** Returns the median, 99th percentile and maximum of {@code ms}. */
    private static double[] percentiles(List<Double> ms) {
        double[] s = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (s.length == 0) {
            return new double[3];
        }
        return new double[] {s[s.length / 2], s[Math.min(s.length - 1, (int) Math.ceil(0.99 * s.length) - 1)],
            Arrays.stream(s).max().orElse(0)};
    }
}
