package dev.amend.server.grpc;

import dev.amend.server.auth.AccessDeniedException;
import dev.amend.server.model.NotFoundException;
import dev.amend.spi.InvalidRequestException;
import dev.amend.server.InternalErrors;
import dev.amend.server.UnavailableException;
import dev.amend.server.editing.KeyReusedException;
import dev.amend.server.limits.BusyException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import org.jboss.logging.Logger;

/** Maps the host's exceptions to gRPC statuses, as the REST error mapping does to HTTP statuses. */
final class GrpcErrors {
    private static final Logger LOG = Logger.getLogger(GrpcErrors.class);
    private static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after",
            Metadata.ASCII_STRING_MARSHALLER);

    private GrpcErrors() {
    }

    /** Returns trailers with "retry-after" set to {@code seconds}. */
    static Metadata retryAfter(long seconds) {
        Metadata m = new Metadata();
        m.put(RETRY_AFTER, Long.toString(seconds));
        return m;
    }

    /** Returns the status exception for {@code e}: INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED, ... or INTERNAL. */
    static StatusRuntimeException status(Throwable e) {
        if (e instanceof StatusRuntimeException s) {
            return s;
        }
        Status status;
        if (e instanceof InvalidRequestException) {
            status = Status.INVALID_ARGUMENT;
        } else if (e instanceof NotFoundException) {
            status = Status.NOT_FOUND;
        } else if (e instanceof AccessDeniedException a) {
            status = a.unconfigured() ? Status.PERMISSION_DENIED : Status.UNAUTHENTICATED;
        } else if (e instanceof dev.amend.runtime.ledger.LedgerUnavailableException) {
            status = Status.UNAVAILABLE;
        } else if (e instanceof dev.amend.runtime.ledger.LedgerCorruptException) {
            LOG.error("edit ledger damaged", e);
            status = Status.DATA_LOSS;
        } else if (e instanceof dev.amend.runtime.ledger.LedgerException) {
            return Status.INTERNAL.withDescription(e.getMessage() + " (incident "
                    + InternalErrors.incident("edit ledger", e) + ")").asRuntimeException();
        } else if (e instanceof CancellationException) {
            status = Status.CANCELLED;
        } else if (e instanceof KeyReusedException) {
            status = Status.ALREADY_EXISTS;
        } else if (e instanceof BusyException b) {
            return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException(retryAfter(
                    b.retryAfterSeconds()));
        } else if (e instanceof UnavailableException u) {
            return Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException(retryAfter(
                    u.retryAfterSeconds()));
        } else {
            return Status.INTERNAL.withDescription(InternalErrors.report("gRPC call", e)).asRuntimeException();
        }
        return status.withDescription(e.getMessage()).asRuntimeException();
    }
}
