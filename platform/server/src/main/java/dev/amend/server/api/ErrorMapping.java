package dev.amend.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.amend.server.api.ApiTypes.ErrorBody;
import dev.amend.server.InternalErrors;
import dev.amend.server.UnavailableException;
import dev.amend.server.auth.AccessDeniedException;
import dev.amend.server.editing.KeyReusedException;
import dev.amend.server.limits.BusyException;
import dev.amend.server.model.NotFoundException;
import dev.amend.spi.InvalidRequestException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.CancellationException;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The one place errors become HTTP answers: a JSON body {@code {error, message}} and the matching status. */
public class ErrorMapping {
    private static final Logger LOG = Logger.getLogger(ErrorMapping.class);

    /** Returns 400 for bad input; the message says what to fix. */
    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e) {
        return body(400, "invalid_request", e.getMessage());
    }

    /** Returns 400 listing each field that failed validation. */
    @ServerExceptionMapper
    public Response violations(ConstraintViolationException e) {
        String message = e.getConstraintViolations().stream()
                .map(ErrorMapping::describe).sorted().collect(Collectors.joining("; "));
        return body(400, "invalid_request", message);
    }

    /** Returns 400 for a body that is not the JSON expected. */
    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return body(400, "invalid_request", "the body is not the JSON expected: "
                + JsonMessages.clean(e.getOriginalMessage()));
    }

    /** Returns 400 for JSON of the wrong shape: an unknown field (e.g. a misspelt name) or a value of the wrong type. */
    @ServerExceptionMapper
    public Response mismatched(com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
        String field = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName()
                : "[" + r.getIndex() + "]").collect(Collectors.joining(".")).replace(".[", "[");
        String message = e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u
                ? "unknown field \"" + u.getPropertyName() + "\"" + (u.getKnownPropertyIds() == null ? ""
                        : ": known fields are " + u.getKnownPropertyIds())
                : JsonMessages.wrongType(field, e);
        return body(400, "invalid_request", message);
    }

    /** Returns 404 naming what exists. */
    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return body(404, "not_found", e.getMessage());
    }

    /** Returns 401 for a missing or wrong token, 403 when the host has none configured. */
    @ServerExceptionMapper
    public Response denied(AccessDeniedException e) {
        Response.ResponseBuilder b = Response.status(e.unconfigured() ? 403 : 401)
                .type(MediaType.APPLICATION_JSON)
                .entity(new ErrorBody(e.unconfigured() ? "forbidden" : "unauthorized", e.getMessage()));
        if (!e.unconfigured()) {
            b.header("WWW-Authenticate", "Bearer realm=\"amend\"");
        }
        return b.build();
    }

    /**
     * Returns 500 when the edit ledger cannot write or read its files (disk full, I/O error, damage found); the
     * message names the file and what to do. The edit or rollback was not acknowledged.
     */
    @ServerExceptionMapper
    public Response ledger(dev.amend.runtime.ledger.LedgerException e) {
        return body(500, e instanceof dev.amend.runtime.ledger.LedgerCorruptException ? "ledger_corrupt" : "ledger_error",
                e.getMessage() + " (incident " + InternalErrors.incident("edit ledger", e) + ")");
    }

    /**
     * Returns 503 when the shared ledger cannot take a change now: its database does not answer, or another replica
     * held the writer right too long. Nothing was changed; generation goes on; retrying later may succeed.
     */
    @ServerExceptionMapper
    public Response unavailable(dev.amend.runtime.ledger.LedgerUnavailableException e) {
        LOG.warn(e.getMessage());
        return Response.status(503).type(MediaType.APPLICATION_JSON).header("Retry-After", "5")
                .entity(new ErrorBody("ledger_unavailable", e.getMessage())).build();
    }

    /** Returns 409 for cancelled work. */
    @ServerExceptionMapper
    public Response cancelled(CancellationException e) {
        return body(409, "cancelled", e.getMessage() + "; the model is unchanged");
    }

    /** Returns the status the framework chose (unknown path, wrong method, unsupported media type...) with a JSON body. */
    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String message = e.getMessage() == null ? Response.Status.fromStatusCode(status).getReasonPhrase()
                : e.getMessage();
        if (e.getCause() instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException j) {
            return mismatched(j);
        }
        if (e.getCause() instanceof JsonProcessingException j) {
            return json(j);
        }
        String code = switch (status) {
            case 400 -> "invalid_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "too_large";
            case 429 -> "busy";
            case 503 -> "unavailable";
            case 415 -> "unsupported_media_type";
            default -> status >= 500 ? "internal" : "http_" + status;
        };
        return body(status, code, message);
    }

    /** Returns 429 with Retry-After when the host is at a configured limit (queued edits, waiting generations). */
    @ServerExceptionMapper
    public Response busy(BusyException e) {
        return Response.fromResponse(body(429, "busy", e.getMessage()))
                .header("Retry-After", e.retryAfterSeconds()).build();
    }

    /** Returns 503 with Retry-After for a change asked for while the host shuts down. */
    @ServerExceptionMapper
    public Response unavailable(UnavailableException e) {
        return Response.fromResponse(body(503, "shutting_down", e.getMessage()))
                .header("Retry-After", e.retryAfterSeconds()).build();
    }

    /** Returns 422 for an idempotency key sent again with a different edit. */
    @ServerExceptionMapper
    public Response keyReused(KeyReusedException e) {
        return body(422, "idempotency_key_reused", e.getMessage());
    }

    /** Returns 500 for anything else: logged with its stack trace under an incident id, which alone is answered. */
    @ServerExceptionMapper(priority = 10_000)
    public Response other(Throwable e) {
        return body(500, "internal", InternalErrors.report("request", e));
    }

    private static String describe(ConstraintViolation<?> v) {
        String path = v.getPropertyPath().toString();
        int dot = path.indexOf('.');
        // drop the method and parameter name ("edit.body.requests[0].target" -> "requests[0].target")
        String field = path;
        if (dot >= 0) {
            int second = path.indexOf('.', dot + 1);
            field = second >= 0 ? path.substring(second + 1) : "body";
        }
        return field + ": " + v.getMessage();
    }

    private static Response body(int status, String error, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ErrorBody(error, message)).build();
    }
}
