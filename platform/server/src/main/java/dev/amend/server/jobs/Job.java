package dev.amend.server.jobs;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Work running in the background (an edit, a trace): its state, progress and, at the end, its outcome or error.
 *
 * @param <T> what the work returns
 */
public final class Job<T> {
    /** Where a job is in its life. */
    public enum State {
        /** Waiting for its thread. */
        QUEUED,
        /** Being computed. */
        RUNNING,
        /** Done; the outcome is set. */
        SUCCEEDED,
        /** Stopped by an error; the error is set. */
        FAILED,
        /** Stopped on request; the model is unchanged. */
        CANCELLED;

        /** Returns true for the states a job does not leave. */
        public boolean terminal() {
            return this == SUCCEEDED || this == FAILED || this == CANCELLED;
        }
    }

    /**
     * A job at one moment.
     *
     * @param id         job id
     * @param model      model name
     * @param method     method name (for a trace: the locating method)
     * @param state      state
     * @param stage      current progress stage (empty before any)
     * @param done       units done in the stage
     * @param total      units in the stage
     * @param outcome    the result when succeeded, else null
     * @param error      the reason when failed or cancelled, else null
     * @param errorKind  {@code invalid_request}, {@code cancelled}, {@code ledger_unavailable}, {@code replica_stopped}
     *                   or {@code internal} when failed, else null
     * @param createdAt  when it was submitted
     * @param finishedAt when it ended, else null
     * @param <T>        what the work returns
     */
    public record Snapshot<T>(String id, String model, String method, State state, String stage, long done,
                              long total, T outcome, String error, String errorKind, Instant createdAt,
                              Instant finishedAt) {
    }

    private final String id;
    private final String model;
    private final String method;
    private final Instant createdAt;
    private final List<Consumer<Snapshot<T>>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean cancelRequested;
    private State state = State.QUEUED;
    private String stage = "";
    private long done;
    private long total;
    private T outcome;
    private String error;
    private String errorKind;
    private Instant finishedAt;

    Job(String id, String model, String method) {
        this(id, model, method, Instant.now());
    }

    private Job(String id, String model, String method, Instant createdAt) {
        this.id = id;
        this.model = model;
        this.method = method;
        this.createdAt = createdAt;
    }

    /** Returns a job that stands for {@code s}: one run by another replica, as it was when read (it does not change). */
    static <T> Job<T> frozen(Snapshot<T> s) {
        Job<T> j = new Job<>(s.id(), s.model(), s.method(), s.createdAt());
        j.state = s.state();
        j.stage = s.stage();
        j.done = s.done();
        j.total = s.total();
        j.outcome = s.outcome();
        j.error = s.error();
        j.errorKind = s.errorKind();
        j.finishedAt = s.finishedAt();
        return j;
    }

    /** Returns the job's id. */
    public String id() {
        return id;
    }

    /** Returns the job's state now. */
    public synchronized Snapshot<T> snapshot() {
        return new Snapshot<>(id, model, method, state, stage, done, total, outcome, error, errorKind, createdAt,
                finishedAt);
    }

    /** Returns true once cancellation was asked for. */
    public boolean cancelRequested() {
        return cancelRequested;
    }

    /** Asks the job to stop (a queued job stops before starting, a running one at its next check). */
    public void requestCancel() {
        cancelRequested = true;
    }

    /** Registers {@code listener} for every change; returns a handle that unregisters it. */
    public Runnable listen(Consumer<Snapshot<T>> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    void progress(String newStage, long newDone, long newTotal) {
        synchronized (this) {
            if (state.terminal()) {
                return;
            }
            state = State.RUNNING;
            stage = newStage;
            done = newDone;
            total = newTotal;
        }
        publish();
    }

    void started() {
        synchronized (this) {
            if (state != State.QUEUED) {
                return;
            }
            state = State.RUNNING;
            stage = "starting";
        }
        publish();
    }

    void succeeded(T result) {
        synchronized (this) {
            state = State.SUCCEEDED;
            outcome = result;
            finishedAt = Instant.now();
        }
        publish();
    }

    void failed(State end, String kind, String message) {
        synchronized (this) {
            state = end;
            errorKind = kind;
            error = message;
            finishedAt = Instant.now();
        }
        publish();
    }

    private void publish() {
        Snapshot<T> s = snapshot();
        for (Consumer<Snapshot<T>> l : listeners) {
            l.accept(s);
        }
    }
}
