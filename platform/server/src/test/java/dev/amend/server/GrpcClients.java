package dev.amend.server;

import dev.amend.server.grpc.v1.AmendGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.net.URL;

/**
 * A plain grpc-java channel to the test host and its blocking stubs, without and with the test token.
 *
 * @param channel    the channel (shut down by {@link #close()})
 * @param anonymous  a stub that sends no token
 * @param authorised a stub that sends {@code Bearer test-token}
 */
record GrpcClients(ManagedChannel channel, AmendGrpc.AmendBlockingStub anonymous,
                   AmendGrpc.AmendBlockingStub authorised) {

    /** Returns clients of the host at {@code url}'s host and port. */
    static GrpcClients open(URL url) {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext().build();
        AmendGrpc.AmendBlockingStub anonymous = AmendGrpc.newBlockingStub(channel);
        Metadata token = new Metadata();
        token.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer test-token");
        return new GrpcClients(channel, anonymous,
                anonymous.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(token)));
    }

    /** Shuts the channel down. */
    void close() {
        channel.shutdownNow();
    }
}
