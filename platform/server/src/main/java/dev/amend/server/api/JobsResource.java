package dev.amend.server.api;

import dev.amend.server.api.ApiTypes.JobBody;
import dev.amend.server.api.ApiTypes.JobView;
import dev.amend.server.editing.EditOutcome;
import dev.amend.server.jobs.Job;
import dev.amend.server.jobs.EditJobs;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import org.jboss.resteasy.reactive.RestStreamElementType;

/** Edit jobs: start one, poll it, follow its progress as server-sent events, cancel it. */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobsResource {
    @Inject
    EditJobs jobs;

    /**
     * Starts an edit job: 202 with the job (bad input is refused at once with 400). With an {@code Idempotency-Key}
     * already used for this edit, the job is that edit's (succeeded at once when it is recorded).
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response submit(@HeaderParam("Idempotency-Key") String key,
                           @Valid @NotNull(message = "send a JSON body {\"model\", \"method\", \"requests\"}") JobBody body) {
        Job<EditOutcome> job = jobs.submit(Views.order(body.model(), body.method(), body.requests(), body.hparams(),
                body.evaluators(), body.seed(), key));
        return Response.accepted(Views.job(job.snapshot())).location(URI.create("/api/v1/jobs/" + job.id())).build();
    }

    /** Returns the job's state, progress and, when done, its result or error. */
    @GET
    @Path("/{id}")
    public JobView get(@PathParam("id") String id) {
        return Views.job(jobs.get(id).snapshot());
    }

    /** Streams the job's state as server-sent events, one per change, until it ends. */
    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<JobView> events(@PathParam("id") String id) {
        return jobs.watch(id).map(Views::job);
    }

    /** Asks the job to stop; returns its state. */
    @POST
    @Path("/{id}/cancel")
    public JobView cancel(@PathParam("id") String id) {
        return Views.job(jobs.cancel(id));
    }
}
