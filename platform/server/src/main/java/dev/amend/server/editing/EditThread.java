package dev.amend.server.editing;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The process's one thread for work on the weights ("amend-edits"): every edit computation, rollback and import runs
 * here, serialised per model and across models (DJL allows one gradient-collecting scope per process), and this
 * thread owns the working copies of the weights. It counts the work queued or running, so a shutdown can wait for it.
 */
@ApplicationScoped
public class EditThread {
    private final AtomicInteger pending = new AtomicInteger();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(() -> {
            // grad mode is per thread in DJL: off on this one; the model code turns it on per forward pass that needs it
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
            r.run();
        }, "amend-edits");
        t.setDaemon(true);
        return t;
    });

    /** Returns a future of what {@code work} returns, run on the edit thread after the work queued before it. */
    public <T> CompletableFuture<T> supply(Supplier<T> work) {
        pending.incrementAndGet();
        CompletableFuture<T> future;
        try {
            future = CompletableFuture.supplyAsync(work, thread);
        } catch (RuntimeException e) {
            pending.decrementAndGet();
            throw e;
        }
        return future.whenComplete((value, error) -> pending.decrementAndGet());
    }

    /** Returns what {@code work} returns, run on the edit thread (blocks until done; rethrows what it threw). */
    public <T> T call(Callable<T> work) {
        return await(supply(() -> {
            try {
                return work.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
    }

    /** Returns the number of tasks queued or running on the edit thread. */
    public int pending() {
        return pending.get();
    }

    /** Returns the future's value, rethrowing what the work threw. */
    public static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new CancellationException("interrupted while waiting for the edit thread");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @PreDestroy
    void stop() {
        thread.shutdownNow();
    }
}
