package dev.amend.server.api;

import dev.amend.kit.trace.Trace;
import dev.amend.kit.trace.TraceKind;
import dev.amend.kit.trace.TraceRequest;
import dev.amend.kit.trace.TraceSettings;
import dev.amend.runtime.trace.TraceHeatmaps;
import dev.amend.server.api.ApiTypes.TraceBody;
import dev.amend.server.api.ApiTypes.TraceJobView;
import dev.amend.server.jobs.Job;
import dev.amend.server.jobs.TraceJobs;
import dev.amend.server.model.NotFoundException;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** Causal traces of a model: start one as a job, poll it, follow it as server-sent events, cancel it, get its PNGs. */
@Path("/api/v1/models/{model}/traces")
@Produces(MediaType.APPLICATION_JSON)
public class TracesResource {
    @Inject
    TraceJobs traces;

    /** Starts a trace: 202 with the job (bad input is refused at once with 400). */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response submit(@PathParam("model") String model,
                           @Valid @NotNull(message = "send a JSON body {\"prompt\", \"subject\"}") TraceBody body) {
        TraceSettings d = TraceSettings.DEFAULTS;
        TraceSettings settings = new TraceSettings(body.samples() == null ? d.samples() : body.samples(),
                body.noise() == null ? d.noise() : body.noise(), body.window() == null ? d.window() : body.window(),
                body.seed() == null ? d.seed() : body.seed(), Double.NaN);
        Job<Trace> job = traces.submit(model, new TraceRequest(body.prompt(), body.subject(), body.target()), settings);
        return Response.accepted(Views.trace(job.snapshot()))
                .location(URI.create("/api/v1/models/" + model + "/traces/" + job.id())).build();
    }

    /** Returns the trace job's state, progress and, when done, the trace or the error. */
    @GET
    @Path("/{id}")
    public TraceJobView get(@PathParam("model") String model, @PathParam("id") String id) {
        return Views.trace(traces.get(model, id).snapshot());
    }

    /** Streams the trace job's state as server-sent events, one per change, until it ends. */
    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<TraceJobView> events(@PathParam("model") String model, @PathParam("id") String id) {
        return traces.watch(model, id).map(Views::trace);
    }

    /** Asks the trace job to stop; returns its state. */
    @POST
    @Path("/{id}/cancel")
    public TraceJobView cancel(@PathParam("model") String model, @PathParam("id") String id) {
        return Views.trace(traces.cancel(model, id));
    }

    /** Returns a heatmap of the finished trace: residual.png, mlp.png or attention.png. */
    @GET
    @Path("/{id}/{image}")
    @Produces("image/png")
    public Response image(@PathParam("model") String model, @PathParam("id") String id,
                          @PathParam("image") String image) {
        Job.Snapshot<Trace> s = traces.get(model, id).snapshot();
        for (TraceKind kind : TraceKind.values()) {
            if (TraceHeatmaps.fileName(kind).equals(image)) {
                if (s.outcome() == null) {
                    throw new WebApplicationException("trace " + id + " is " + s.state().name().toLowerCase(
                            java.util.Locale.ROOT) + ": its heatmaps exist once it has succeeded", 409);
                }
                return Response.ok(TraceHeatmaps.png(s.outcome(), kind), "image/png").build();
            }
        }
        throw new NotFoundException("no heatmap \"" + image + "\": a trace has residual.png, mlp.png and attention.png");
    }
}
