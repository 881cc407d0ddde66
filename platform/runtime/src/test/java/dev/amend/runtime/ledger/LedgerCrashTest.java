package dev.amend.runtime.ledger;

import static dev.amend.runtime.ledger.LedgerFixtures.bits;
import static dev.amend.runtime.ledger.LedgerFixtures.differing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.Edit;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 while a child JVM records edits and rolls some back in a loop ({@link LedgerCrashChild}).
 * Contract: after reopening, the journal holds exactly the acknowledged operations (those whose call
 * returned and whose number the child printed) plus at most one more — the next operation, when the
 * kill fell after its journal record was durable but before the child printed it; the history is what
 * those operations give (simulated here), and the weights equal, bit for bit, a fresh model with exactly
 * the remaining edits applied in order, computed without the ledger.
 */
class LedgerCrashTest {
    private static final Pattern ACK = Pattern.compile("ACK (\\d+) \\.");
    private static final int ROUNDS = 5;

    @TempDir
    Path data;

    /** Returns the stream numbers of the edits in the history after operations 1..last. */
    private static List<Integer> simulate(long last) {
        List<Integer> history = new ArrayList<>();
        for (long s = 1; s <= last; s++) {
            if (LedgerCrashChild.isRollback(s) && !history.isEmpty()) {
                history.remove(LedgerCrashChild.rollbackIndex(s, history.size()));
            } else {
                history.add((int) s);
            }
        }
        return history;
    }

    @Test
    void killNineDuringAStreamOfEditsAndRollbacksLosesNothingAcknowledged() throws Exception {
        long seed = Long.getLong("amend.crash.seed", System.nanoTime());
        System.out.println("crash test: kill moments from seed " + seed + " (rerun with -Damend.crash.seed=" + seed + ")");
        Random random = new Random(seed);
        long durable = 0;      // the last journal sequence after the previous reopen
        int extra = 0;
        int rollbacks = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                    LedgerCrashChild.class.getName(), data.toString(), "100000")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            // Even rounds: kill 50-900 ms into the stream of operations. Odd rounds: 0.7-2.5 s after the start,
            // which often falls in JVM start-up, the replay or the clean-up of the previous crash.
            boolean duringStream = round % 2 == 0;
            long delay = duringStream ? 50 + random.nextInt(850) : 700 + random.nextInt(1800);
            Thread killer = new Thread(() -> {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                child.toHandle().destroyForcibly();
            });
            if (!duringStream) {
                killer.start();
            }
            long acked = durable;
            boolean opened = false;
            for (String line; (line = out.readLine()) != null; ) {
                Matcher m = ACK.matcher(line);
                if (line.startsWith("OPEN ")) {
                    assertEquals("OPEN " + durable, line, "round " + round + ": operations the child replayed");
                    opened = true;
                    if (duringStream) {
                        killer.start();
                    }
                } else if (m.matches()) {
                    assertEquals(acked + 1, Long.parseLong(m.group(1)), "operations are acknowledged in order");
                    acked++;
                }
            }
            assertTrue(opened || !duringStream, "round " + round + ": the child never opened the ledger");
            killer.join();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, child.exitValue(), "the child was killed by SIGKILL");

            try (Transformer fresh = LedgerFixtures.gpt2(LedgerFixtures.SEED);
                 EditLedger ledger = EditLedger.open(data, fresh)) {
                long last = ledger.lastSequence();
                assertTrue(last == acked || last == acked + 1, "round " + round + ": the journal ends at operation "
                        + last + ", " + acked + " were acknowledged");
                if (last == acked + 1) {
                    extra++;
                }
                List<Integer> expected = simulate(last);
                List<LedgerEntry> entries = ledger.entries();
                assertEquals(expected, entries.stream().map(e -> ((Number) e.info().get("s")).intValue()).toList(),
                        "round " + round + ": the history after " + last + " operations");
                try (Transformer reference = LedgerFixtures.gpt2(LedgerFixtures.SEED)) {
                    for (int i = 0; i < expected.size(); i++) {
                        Edit e = LedgerFixtures.streamEdit(reference, expected.get(i));
                        Edit got = entries.get(i).edit();
                        assertEquals(expected.get(i), got.metadata().get("k"));
                        for (int d = 0; d < e.deltas().size(); d++) {
                            assertArrayEquals(e.deltas().get(d).toDense(), got.deltas().get(d).toDense());
                        }
                        e.applyTo(reference);
                    }
                    assertEquals(List.of(), differing(bits(reference), bits(fresh)), "round " + round
                            + ": weights after reopening vs base + the " + expected.size() + " remaining edits");
                }
                rollbacks = (int) ((last - expected.size()) / 2);   // last = records + rollbacks, history = records - rollbacks
                System.out.printf("crash round %d: killed %d ms after %s, %d operation(s) acknowledged (up to %d),"
                        + " journal ends at %d, %d edits in the history, %d torn bytes dropped, %d files removed%n", round, delay,
                        duringStream ? "opening" : "starting", acked - durable, acked, last, expected.size(),
                        ledger.recovery().tornBytes(), ledger.recovery().removedFiles().size());
                durable = last;
            }
        }
        assertTrue(durable > 0, "the children did nothing before being killed");
        System.out.println("crash test: " + durable + " operations (" + rollbacks + " rollbacks) over " + ROUNDS
                + " kills, " + extra + " durable but unacknowledged at the kill");
    }
}
