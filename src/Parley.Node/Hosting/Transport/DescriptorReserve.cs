using Microsoft.Win32.SafeHandles;

namespace Parley.Node.Hosting.Transport;

/// <summary>
/// File descriptors held back for the runtime. At the open-file limit the runtime still needs a
/// few (a new thread takes a pipe) and aborts the process without them, so a handful are held
/// from start and given up the moment accept finds none left; they are taken back before
/// accepting resumes. Thread-safe.
/// </summary>
internal sealed class DescriptorReserve : IDisposable
{
    /// <summary>Descriptors held: enough for the threads the pool may add while the node sheds connections.</summary>
    public const int Count = 32;

    private readonly Lock _gate = new();
    private readonly List<SafeFileHandle> _held = new(Count);

    public DescriptorReserve() => TryTake();

    /// <summary>Takes the reserve back; false when the descriptors are not free yet.</summary>
    public bool TryTake()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return true;
        }

        lock (_gate)
        {
            try
            {
                while (_held.Count < Count)
                {
                    _held.Add(File.OpenHandle("/dev/null"));
                }

                return true;
            }
            catch (IOException)
            {
                ReleaseHeld();
                return false;
            }
        }
    }

    /// <summary>Gives the reserve up, so the runtime has descriptors while the process is at its limit.</summary>
    public void Release()
    {
        lock (_gate)
        {
            ReleaseHeld();
        }
    }

    public void Dispose() => Release();

    private void ReleaseHeld()
    {
        foreach (var handle in _held)
        {
            handle.Dispose();
        }

        _held.Clear();
    }
}
