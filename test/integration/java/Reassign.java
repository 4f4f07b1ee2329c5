// Kafka's own AdminClient moving partitions, as kafka-reassign-partitions.sh does (KIP-455):
//
//   Reassign alter BOOTSTRAP TOPIC PARTITION R1,R2,...   alterPartitionReassignments to that target
//   Reassign alter-cancel BOOTSTRAP TOPIC PARTITION R1,...  that target, then at once no target
//                                                        (a cancel: "error" names NO_REASSIGNMENT
//                                                        _IN_PROGRESS if the move ended first)
//   Reassign list BOOTSTRAP                              listPartitionReassignments of every topic
//
// Prints one JSON object: {"reassignments":[{"topic","partition","replicas","adding","removing"}],
// "error"}; "error" is the exception's text when the call failed (the list is then empty).

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.common.TopicPartition;

public final class Reassign {
    public static void main(String[] args) throws Exception {
        String command = args[0];
        Properties a = new Properties();
        a.put("bootstrap.servers", args[1]);
        List<Object> reassignments = new ArrayList<>();
        String error = null;
        try (Admin admin = Admin.create(a)) {
            switch (command) {
                case "alter" -> {
                    List<Integer> target = new ArrayList<>();
                    for (String r : args[4].split(",")) target.add(Integer.parseInt(r));
                    TopicPartition tp = new TopicPartition(args[2], Integer.parseInt(args[3]));
                    admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(target)))).all().get();
                }
                case "alter-cancel" -> {
                    List<Integer> target = new ArrayList<>();
                    for (String r : args[4].split(",")) target.add(Integer.parseInt(r));
                    TopicPartition tp = new TopicPartition(args[2], Integer.parseInt(args[3]));
                    admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(target)))).all().get();
                    admin.alterPartitionReassignments(Map.of(tp, Optional.empty())).all().get();
                }
                case "list" -> {
                    Map<TopicPartition, PartitionReassignment> all = admin.listPartitionReassignments().reassignments().get();
                    for (Map.Entry<TopicPartition, PartitionReassignment> e : all.entrySet()) {
                        Map<String, Object> r = new LinkedHashMap<>();
                        r.put("topic", e.getKey().topic());
                        r.put("partition", e.getKey().partition());
                        r.put("replicas", e.getValue().replicas());
                        r.put("adding", e.getValue().addingReplicas());
                        r.put("removing", e.getValue().removingReplicas());
                        reassignments.add(r);
                    }
                }
                default -> throw new IllegalArgumentException("unknown command " + command);
            }
        } catch (Exception e) {
            error = "exception: " + e;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("reassignments", reassignments);
        out.put("error", error);
        System.out.println(Json.of(out));
    }
}
