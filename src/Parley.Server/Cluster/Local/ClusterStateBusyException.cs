namespace Parley.Server.Cluster.Local;

/// <summary>Another live run holds the cluster's state directory; <c>parley cluster up</c> exits with 4.</summary>
public sealed class ClusterStateBusyException(string message, Exception inner) : Exception(message, inner);
