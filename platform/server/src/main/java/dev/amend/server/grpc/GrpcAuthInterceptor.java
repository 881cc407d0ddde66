package dev.amend.server.grpc;

import dev.amend.server.ShutdownDrain;
import dev.amend.server.api.ServerPaths;
import dev.amend.server.auth.AccessDeniedException;
import dev.amend.server.auth.BearerAuth;
import dev.amend.server.grpc.v1.ListPluginsResponse;
import dev.amend.server.grpc.v1.ModelDescription;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;

/**
 * Checks the bearer token of gRPC calls ("authorization" metadata), as {@link BearerAuth} does for REST; refuses
 * changes with UNAVAILABLE once the host shuts down; and keeps server paths out of the answers of callers without
 * the token (as the REST API does).
 */
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

    @Inject
    ShutdownDrain drain;

    /** Returns the call's listener when the token allows the call; otherwise closes the call with the reason. */
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                       ServerCallHandler<Q, A> next) {
        String method = call.getMethodDescriptor().getBareMethodName();
        if (call.getMethodDescriptor().getServiceName() == null
                || !call.getMethodDescriptor().getServiceName().startsWith("amend.")) {
            return next.startCall(call, headers);
        }
        String authorization = headers.get(AUTHORIZATION);
        try {
            auth.check(authorization, MUTATING.contains(method));
        } catch (AccessDeniedException e) {
            call.close((e.unconfigured() ? Status.PERMISSION_DENIED : Status.UNAUTHENTICATED)
                    .withDescription(e.getMessage()), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        if (drain.draining() && MUTATING.contains(method)) {
            call.close(Status.UNAVAILABLE.withDescription("the host is shutting down and takes no more changes: retry"
                    + " in " + drain.retryAfterSeconds() + " s (on another replica, or this one once restarted)"),
                    GrpcErrors.retryAfter(drain.retryAfterSeconds()));
            return new ServerCall.Listener<>() { };
        }
        return next.startCall(auth.authenticated(authorization) ? call : new PathsHidden<>(call), headers);
    }

    /** A call whose answers carry no server paths. */
    private static final class PathsHidden<Q, A> extends ForwardingServerCall.SimpleForwardingServerCall<Q, A> {
        PathsHidden(ServerCall<Q, A> call) {
            super(call);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void sendMessage(A message) {
            Object m = message;
            if (m instanceof ModelDescription d) {
                m = d.toBuilder().setSource(ServerPaths.hide(d.getSource())).setLedger(ServerPaths.hide(d.getLedger()))
                        .build();
            } else if (m instanceof ListPluginsResponse p) {
                ListPluginsResponse.Builder b = p.toBuilder().setDirectory(ServerPaths.hide(p.getDirectory()));
                for (int i = 0; i < b.getPluginsCount(); i++) {
                    b.setPlugins(i, b.getPlugins(i).toBuilder().setReason(ServerPaths.hide(b.getPlugins(i).getReason())));
                }
                m = b.build();
            }
            super.sendMessage((A) m);
        }
    }
}
