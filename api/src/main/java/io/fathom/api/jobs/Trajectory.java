package io.fathom.api.jobs;

import io.fathom.orchestrator.events.EventType;
import io.fathom.orchestrator.events.JobEvent;
import io.fathom.orchestrator.jobs.Job;
import io.fathom.orchestrator.jobs.JobError;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** A job's transcript: the task, then per round what the model said and what the tools answered. */
public record Trajectory(
    UUID jobId, String status, String system, String task, List<JsonNode> rounds, String answer, JobError error) {

  static Trajectory of(Job job, List<JobEvent> events, JsonMapper json) {
    List<JsonNode> rounds = new ArrayList<>();
    ObjectNode current = null;
    for (JobEvent e : events) {
      JsonNode data = json.readTree(e.json());
      if (e.type() == EventType.MODEL_COMPLETED) {
        current = json.createObjectNode();
        current.put("round", data.path("round").asInt());
        current.set("model", data);
        current.set("tool_results", json.createArrayNode());
        rounds.add(current);
      } else if (current != null) {
        ((ArrayNode) current.get("tool_results")).add(data);
      }
    }
    return new Trajectory(
        job.id(), job.status().wire(), job.spec().system(), job.spec().task(), rounds, job.answer(), job.error());
  }
}
