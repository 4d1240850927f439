-- SPDX-License-Identifier: GPL-2.0 OR MIT
--
-- WirePlumber 0.4 (Debian 12, Ubuntu 22.04 to 23.10, Fedora 36 to 39):
-- give the nodes of a Xen para-virtual sound card (snd_xen_front) the
-- settings WirePlumber gives a sound card inside a virtual machine.
--
-- WirePlumber recognises a virtual machine by its DMI tables, and a Xen
-- PV guest has none.  Without this file PipeWire treats the card as local
-- hardware: at a small quantum it keeps about 10 ms of data in the card,
-- less than a guest's threads can be late under load, and the stream
-- underruns.  With it, each node asks for 256-frame periods and keeps up
-- to 8192 frames ahead of the card.
--
-- Install as /etc/wireplumber/main.lua.d/51-xen-snd-front.lua (every
-- user) or ~/.config/wireplumber/main.lua.d/51-xen-snd-front.lua, then
-- restart WirePlumber.  `wpctl inspect` on the card's sink then shows
-- api.alsa.headroom = "8192".
table.insert(alsa_monitor.rules, {
  matches = {
    {
      -- the card's kernel module (the in-tree driver's has the same
      -- name, and the same need)
      { "alsa.driver_name", "equals", "snd_xen_front" },
    },
  },
  apply_properties = {
    ["api.alsa.period-size"] = 256,
    ["api.alsa.headroom"] = 8192,
  },
})
