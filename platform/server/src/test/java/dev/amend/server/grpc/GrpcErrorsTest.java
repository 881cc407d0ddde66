package dev.amend.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/** gRPC statuses of unexpected failures carry a reference to the log, never the exception's class or text. */
class GrpcErrorsTest {
    @Test
    void internalErrorsNameNoClassAndNoPath() {
        StatusRuntimeException s = GrpcErrors.status(new NullPointerException("/srv/secret is null"));
        assertEquals(Status.Code.INTERNAL, s.getStatus().getCode());
        String d = s.getStatus().getDescription();
        assertFalse(d.contains("NullPointerException") || d.contains("/srv"), d);
    }
}
