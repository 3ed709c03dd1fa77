namespace Parley.Server.Hosting;

/// <summary>Set once when the node starts draining; readiness and admission read it.</summary>
internal sealed class DrainState
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public void Begin() => _draining = true;
}
