package dev.amend.server.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Generations share the processor with edits: fewer run while an edit computes, the rest wait in order or are refused. */
class ComputeGateTest {
    @Test
    void anEditHoldsGenerationsToTheEditingLimit() throws Exception {
        ComputeGate gate = new ComputeGate(2, 1, 4, 5_000);
        gate.enterGeneration();
        gate.enterGeneration();
        assertEquals(2, gate.running());
        CompletableFuture<Void> third = CompletableFuture.runAsync(gate::enterGeneration);
        Thread.sleep(100);
        assertTrue(!third.isDone(), "a third generation waits for a slot");
        gate.editStarted();
        assertEquals(1, gate.limit());
        gate.leaveGeneration();
        Thread.sleep(100);
        assertTrue(!third.isDone(), "while an edit computes only one generation runs");
        gate.leaveGeneration();
        third.get(2, TimeUnit.SECONDS);
        assertEquals(1, gate.running());
        CompletableFuture<Void> fourth = CompletableFuture.runAsync(gate::enterGeneration);
        Thread.sleep(100);
        assertTrue(!fourth.isDone());
        gate.editEnded();
        fourth.get(2, TimeUnit.SECONDS);
        assertEquals(2, gate.running());
    }

    @Test
    void tooManyWaitingOrWaitingTooLongIsRefused() throws Exception {
        ComputeGate gate = new ComputeGate(1, 1, 1, 300);
        gate.enterGeneration();
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(gate::enterGeneration);
        Thread.sleep(50);
        BusyException full = assertThrows(BusyException.class, gate::enterGeneration);
        assertTrue(full.getMessage().contains("amend.generate.max-waiting"), full.getMessage());
        Exception late = assertThrows(Exception.class, () -> waiting.get(2, TimeUnit.SECONDS));
        assertTrue(late.getCause() instanceof BusyException && late.getCause().getMessage().contains("max-wait"),
                String.valueOf(late.getCause()));
        gate.leaveGeneration();
        gate.enterGeneration();
        assertEquals(1, gate.running(), "a refused waiter leaves no slot taken");
    }
}
