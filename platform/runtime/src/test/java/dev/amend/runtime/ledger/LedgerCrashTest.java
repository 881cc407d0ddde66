package dev.amend.runtime.ledger;

import static dev.amend.runtime.ledger.LedgerFixtures.bits;
import static dev.amend.runtime.ledger.LedgerFixtures.differing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.amend.runtime.model.Transformer;
import dev.amend.spi.Edit;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 while a child JVM records edits in a loop. Contract: after reopening, the history is the
 * acknowledged edits (those whose {@code record} returned and whose id the child printed), in order,
 * plus at most one more — the next edit of the stream, when the kill fell after its journal record was
 * durable but before the child printed its id — and the weights equal, bit for bit, a fresh model with
 * exactly those edits applied in order (computed without the ledger).
 */
class LedgerCrashTest {
    private static final Pattern ACK = Pattern.compile("ACK (\\d+) ([0-9a-f]{12}) \\.");
    private static final int ROUNDS = 5;

    @TempDir
    Path data;

    @Test
    void killNineDuringAStreamOfEditsLosesNothingAcknowledged() throws Exception {
        long seed = Long.getLong("amend.crash.seed", System.nanoTime());
        System.out.println("crash test: kill moments from seed " + seed + " (rerun with -Damend.crash.seed=" + seed + ")");
        Random random = new Random(seed);
        List<String> ackedIds = new ArrayList<>();   // ids the children acknowledged, over all rounds
        int extra = 0;
        int durableTotal = 0;
        for (int round = 0; round < ROUNDS; round++) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx384m", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                    LedgerCrashChild.class.getName(), data.toString(), "100000")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            // Even rounds: kill 0-900 ms into the stream of edits. Odd rounds: 0.7-2.5 s after the start, which
            // often falls in JVM start-up, the replay or the clean-up of the previous crash.
            boolean duringStream = round % 2 == 0;
            long delay = duringStream ? random.nextInt(900) : 700 + random.nextInt(1800);
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
            List<String> roundIds = new ArrayList<>();
            boolean opened = false;
            for (String line; (line = out.readLine()) != null; ) {
                Matcher m = ACK.matcher(line);
                if (line.startsWith("OPEN ")) {
                    assertEquals("OPEN " + durableTotal, line, "round " + round + ": edits the child replayed");
                    opened = true;
                    if (duringStream) {
                        killer.start();
                    }
                } else if (m.matches()) {
                    assertEquals(durableTotal + roundIds.size(), Integer.parseInt(m.group(1)));
                    roundIds.add(m.group(2));
                }
            }
            assertTrue(opened || !duringStream, "round " + round + ": the child never opened the ledger");
            killer.join();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, child.exitValue(), "the child was killed by SIGKILL");
            ackedIds.addAll(roundIds);

            try (Transformer fresh = LedgerFixtures.gpt2(LedgerFixtures.SEED);
                 EditLedger ledger = EditLedger.open(data, fresh)) {
                List<LedgerEntry> entries = ledger.entries();
                int n = entries.size();
                assertTrue(n == ackedIds.size() || n == ackedIds.size() + 1, "round " + round + ": " + n
                        + " edits after reopening, " + ackedIds.size() + " acknowledged");
                for (int i = 0; i < ackedIds.size(); i++) {
                    assertEquals(ackedIds.get(i), entries.get(i).id(), "edit " + i);
                }
                if (n == ackedIds.size() + 1) {
                    extra++;
                    ackedIds.add(entries.get(n - 1).id());   // durable, so later rounds must keep it
                }
                List<Edit> expectedEdits = new ArrayList<>();
                try (Transformer reference = LedgerFixtures.gpt2(LedgerFixtures.SEED)) {
                    for (int k = 0; k < n; k++) {
                        Edit e = LedgerFixtures.streamEdit(reference, k);
                        expectedEdits.add(e);
                        Edit got = entries.get(k).edit();
                        assertEquals(k, got.metadata().get("k"));
                        for (int d = 0; d < e.deltas().size(); d++) {
                            assertArrayEquals(e.deltas().get(d).toDense(), got.deltas().get(d).toDense());
                        }
                        e.applyTo(reference);
                    }
                    List<String> diff = differing(bits(reference), bits(fresh));
                    assertEquals(List.of(), diff, "round " + round + ": weights after reopening vs base + "
                            + n + " edits");
                }
                System.out.printf("crash round %d: killed %d ms after %s, %d acknowledged this round, %d edits"
                        + " durable, %d torn bytes dropped, %d files removed%n", round, delay, duringStream ? "opening" : "starting", roundIds.size(), n,
                        ledger.recovery().tornBytes(), ledger.recovery().removedFiles().size());
                durableTotal = n;
            }
        }
        assertTrue(durableTotal > 0, "the children recorded nothing before being killed");
        System.out.println("crash test: " + durableTotal + " edits over " + ROUNDS + " kills, " + extra
                + " durable but unacknowledged at the kill");
    }
}
