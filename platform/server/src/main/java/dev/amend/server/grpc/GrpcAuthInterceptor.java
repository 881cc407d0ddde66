package dev.amend.server.grpc;

import dev.amend.server.auth.AccessDeniedException;
import dev.amend.server.auth.BearerAuth;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;

/** Checks the bearer token of gRPC calls ("authorization" metadata), as {@link BearerAuth} does for REST. */
@GlobalInterceptor
@ApplicationScoped
public class GrpcAuthInterceptor implements ServerInterceptor {
    /** The calls that change something. */
    static final Set<String> MUTATING = Set.of("Edit", "SubmitEditJob", "CancelJob", "RollbackEdits", "ImportPatch",
            "InstallPlugin", "RemovePlugin", "SubmitTraceJob", "CancelTraceJob");
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @Inject
    BearerAuth auth;

    /** Returns the call's listener when the token allows the call; otherwise closes the call with the reason. */
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                       ServerCallHandler<Q, A> next) {
        String method = call.getMethodDescriptor().getBareMethodName();
        if (call.getMethodDescriptor().getServiceName() != null
                && call.getMethodDescriptor().getServiceName().startsWith("amend.")) {
            try {
                auth.check(headers.get(AUTHORIZATION), MUTATING.contains(method));
            } catch (AccessDeniedException e) {
                call.close((e.unconfigured() ? Status.PERMISSION_DENIED : Status.UNAUTHENTICATED)
                        .withDescription(e.getMessage()), new Metadata());
                return new ServerCall.Listener<>() { };
            }
        }
        return next.startCall(call, headers);
    }
}
