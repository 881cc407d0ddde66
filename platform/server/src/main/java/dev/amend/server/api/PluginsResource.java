package dev.amend.server.api;

import dev.amend.runtime.plugins.PluginInfo;
import dev.amend.server.api.ApiTypes.PluginView;
import dev.amend.server.api.ApiTypes.PluginsAnswer;
import dev.amend.server.api.ApiTypes.ProvidedView;
import dev.amend.server.editing.Methods;
import dev.amend.server.editing.PluginDirectory;
import dev.amend.server.editing.PluginListing;
import dev.amend.server.editing.SharedPluginJars;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/**
 * The plugins directory: list the jars (LOADED, or FAILED with the reason), upload a jar (the body is its bytes; the
 * file name in {@code ?file=} or the {@code X-Plugin-File} header) and delete one. Uploads and deletes need the
 * bearer token; they take effect at once, and edits already running finish on the version they started with. With a
 * shared database ({@code amend.ledger.url}) an upload or delete reaches every replica ({@link SharedPluginJars}).
 */
@Path("/api/v1/plugins")
@Produces(MediaType.APPLICATION_JSON)
public class PluginsResource {
    @Inject
    Methods methods;

    @Inject
    PluginDirectory directory;

    @Inject
    SharedPluginJars sharedJars;

    /** Returns the plugins directory and its jars. */
    @GET
    public PluginsAnswer list() {
        return answer(methods.pluginListing());
    }

    /** Installs a jar: 201 with its account (LOADED); 400 with the reason when it cannot load (nothing kept). */
    @POST
    @Consumes({MediaType.APPLICATION_OCTET_STREAM, "application/java-archive", "application/zip"})
    public Response install(@QueryParam("file") String file, @HeaderParam("X-Plugin-File") String header,
                            byte[] jar) {
        String name = file != null && !file.isBlank() ? file : header;
        PluginView v = view(directory.install(name, jar));
        sharedJars.publish(name, jar);
        return Response.created(URI.create("/api/v1/plugins/" + v.file())).entity(v).build();
    }

    /** Deletes a jar; returns the plugins left. Its methods are no longer offered to new edits. */
    @DELETE
    @Path("/{file}")
    public PluginsAnswer remove(@PathParam("file") String file) {
        directory.remove(file);
        sharedJars.withdraw(file);
        return answer(methods.pluginListing());
    }

    private static PluginsAnswer answer(PluginListing l) {
        return new PluginsAnswer(l.directory().toString(), l.plugins().stream().map(PluginsResource::view).toList(),
                l.retired().stream().map(PluginsResource::view).toList());
    }

    private static PluginView view(PluginInfo p) {
        return new PluginView(p.file().getFileName().toString(), p.status().name(), p.reason(), provided(p.editors()),
                provided(p.evaluators()), p.loadedAt() == null ? null : p.loadedAt().toString(), p.size(), p.sha256(),
                p.leases(), provided(p.adapterKinds()));
    }

    private static List<ProvidedView> provided(List<PluginInfo.Provided> list) {
        return list.stream().map(x -> new ProvidedView(x.name(), x.version())).toList();
    }
}
