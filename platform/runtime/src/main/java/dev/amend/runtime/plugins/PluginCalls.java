package dev.amend.runtime.plugins;

import dev.amend.runtime.plugins.PluginJar.Failure;
import dev.amend.runtime.plugins.PluginJarLoader.Refusal;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs plugin code in this JVM on a thread of its own with a time limit, so the caller holds no plugin code's
 * hang: a call that does not answer in time is abandoned (interrupted; a thread that ignores it stays busy, which
 * is why new jars are checked in a child JVM first).
 */
final class PluginCalls {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "amend-plugin-call-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private PluginCalls() {
    }

    /**
     * Returns {@code code}'s answer within {@code timeout}; {@code step} names what it is doing (for the message).
     *
     * @throws Refusal a FAULT when it throws (a Refusal it throws passes unchanged) or does not answer in time
     */
    static <T> T within(Duration timeout, AtomicReference<String> step, Callable<T> code)
            throws Refusal, InterruptedException {
        Future<T> f = POOL.submit(code);
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Refusal r) {
                throw r;
            }
            throw new Refusal(Failure.FAULT, step.get() + " threw " + FailureText.of(e.getCause()));
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new Refusal(Failure.FAULT, "did not answer within " + timeout.toSeconds() + " s (still in "
                    + step.get() + "): an endless loop or a blocking call in the plugin");
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        }
    }
}
