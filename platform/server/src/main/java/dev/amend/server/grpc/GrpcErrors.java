package dev.amend.server.grpc;

import dev.amend.server.auth.AccessDeniedException;
import dev.amend.server.model.NotFoundException;
import dev.amend.spi.InvalidRequestException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import org.jboss.logging.Logger;

/** Maps the host's exceptions to gRPC statuses, as the REST error mapping does to HTTP statuses. */
final class GrpcErrors {
    private static final Logger LOG = Logger.getLogger(GrpcErrors.class);

    private GrpcErrors() {
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
        } else if (e instanceof CancellationException) {
            status = Status.CANCELLED;
        } else {
            LOG.error("gRPC call failed", e);
            status = Status.INTERNAL;
        }
        return status.withDescription(e.getMessage()).asRuntimeException();
    }
}
