// Kafka's own Admin client changing the controller quorum's voters (KIP-853), as
// kafka-metadata-quorum.sh add-controller / remove-controller do, then describing the quorum.
//
//   QuorumVoters BOOTSTRAP add|remove|describe VOTER_ID [RPC_HOST RPC_PORT]
//
// Prints one JSON object: {"ok","exception","message","leaderId","voters","observers"}; the
// quorum is described after the change (or its failure), through the same bootstrap.

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.RaftVoterEndpoint;
import org.apache.kafka.common.Uuid;

public final class QuorumVoters {
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        String action = args[1];
        int voterId = Integer.parseInt(args[2]);
        Map<String, Object> out = new LinkedHashMap<>();
        try (Admin admin = Admin.create(p)) {
            try {
                if (action.equals("add")) {
                    Set<RaftVoterEndpoint> endpoints = Set.of(new RaftVoterEndpoint("RPC", args[3], Integer.parseInt(args[4])));
                    admin.addRaftVoter(voterId, Uuid.ZERO_UUID, endpoints).all().get();
                } else if (action.equals("remove")) {
                    admin.removeRaftVoter(voterId, Uuid.ZERO_UUID).all().get();
                }
                out.put("ok", true);
            } catch (Exception e) {
                out.put("ok", false);
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                out.put("exception", cause.getClass().getName());
                out.put("message", cause.getMessage());
            }
            QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get();
            out.put("leaderId", q.leaderId());
            out.put("voters", ids(q.voters()));
            out.put("observers", ids(q.observers()));
        }
        System.out.println(Json.of(out));
    }

    static List<Integer> ids(List<QuorumInfo.ReplicaState> replicas) {
        return replicas.stream().map(QuorumInfo.ReplicaState::replicaId).sorted().collect(Collectors.toList());
    }
}
