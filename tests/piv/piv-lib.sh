# piv-lib.sh: a virtual PIV card behind pcscd, for the test scripts
# (sourced, POSIX sh; uses $top_srcdir).  Installs nothing: ./quickstart
# installs the Debian packages (pcscd, vsmartcard-vpcd, vsmartcard-vpicc,
# python3-virtualsmartcard, python3-pycryptodome, python3-cryptography,
# opensc, iproute2, util-linux).  Every function returns 1 with the reason
# in $piv_error when it fails.
#
#   piv_check              what the card needs is installed, unshare -n
#                          works, and no pcscd runs already
#   piv_start DIR          starts, inside a private network namespace
#                          (vpcd, pcscd's driver for virtual readers,
#                          listens on 0.0.0.0:35963), pcscd and the card
#                          (tests/piv/pivcard.py, its state, logs and
#                          APDU log in DIR), and waits until OpenSC sees
#                          the card.  Sets piv_ns (the PID holding the
#                          namespace), piv_pcscd, piv_card.
#   piv_genkey SLOT ALG OUT
#                          generates a key pair on the card (SLOT 9A, 9C,
#                          9D, 9E; ALG 11 P-256, 14 P-384, 07 RSA-2048)
#                          with a raw GENERATE ASYMMETRIC KEY PAIR APDU,
#                          and writes the public key the card answered to
#                          OUT (PEM)
#   piv_issue PKI PUB EXT SERIAL EMAIL OUT
#                          the test PKI's issuing CA (tests/pki/make-pki.sh
#                          in PKI) certifies PUB, a key it never held:
#                          subject O=Example Test Org, CN=the email's local
#                          part, emailAddress=EMAIL; extensions EXT of
#                          PKI/openssl.cnf (v3_user, v3_user_ec)
#   piv_write_cert SLOT CERT
#                          writes CERT (PEM) into the card's container for
#                          SLOT, and checks that OpenSC reads it back
#   piv_stop               stops the card, pcscd and the namespace, each
#                          by its PID, and waits for them
#
# pcscd's socket, /run/pcscd/pcscd.comm, is a file: programs outside the
# namespace (sceau, opensc-tool) reach the card through it.  It is also
# why only one pcscd can run on the machine: piv_check fails if one does.
#
# Two workarounds for Debian 12's python3-virtualsmartcard: its modules
# are installed off sys.path (/usr/lib/python3/site-packages/
# virtualsmartcard), and it imports "Crypto", which Debian's pycryptodome
# calls "Cryptodome": PYTHONPATH gets that directory and a directory with
# a link Crypto -> Cryptodome.  /usr/bin/python3, not a python3 earlier in
# PATH, which would not see Debian's packages.

piv_module=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
piv_python=/usr/bin/python3
piv_vsc=/usr/lib/python3/site-packages/virtualsmartcard
piv_cryptodome=/usr/lib/python3/dist-packages/Cryptodome
piv_pcscd_bin=/usr/sbin/pcscd
piv_ns=
piv_pcscd=
piv_card=
piv_dir=
piv_error=

# piv_need FILE PACKAGE: FILE exists, or says which package brings it.
piv_need() {
	[ -e "$1" ] && return 0
	piv_error="missing $1 (Debian package $2: ./quickstart installs it)"
	return 1
}

piv_check() {
	# pcscd is in /usr/sbin, which a user's PATH may lack.
	piv_pcscd_bin=$(command -v pcscd 2>/dev/null) ||
		piv_pcscd_bin=/usr/sbin/pcscd
	piv_need "$piv_pcscd_bin" pcscd || return 1
	for c in opensc-tool:opensc piv-tool:opensc \
		pkcs11-tool:opensc unshare:util-linux nsenter:util-linux \
		ip:iproute2 openssl:openssl; do
		command -v "${c%%:*}" >/dev/null 2>&1 && continue
		piv_error="missing ${c%%:*} (Debian package ${c#*:}: ./quickstart installs it)"
		return 1
	done
	piv_need "$piv_python" python3 &&
		piv_need /usr/lib/pcsc/drivers/serial/libifdvpcd.so vsmartcard-vpcd &&
		piv_need /etc/reader.conf.d/vpcd vsmartcard-vpcd &&
		piv_need "$piv_vsc/virtualsmartcard/VirtualSmartcard.py" \
			python3-virtualsmartcard &&
		piv_need "$piv_cryptodome" python3-pycryptodome &&
		piv_need "$piv_module" opensc-pkcs11 || return 1
	if ! "$piv_python" -c 'import cryptography' 2>/dev/null; then
		piv_error="$piv_python cannot import cryptography (Debian package python3-cryptography)"
		return 1
	fi
	if ! unshare -n true 2>/dev/null; then
		piv_error="unshare -n is not permitted here (a private network namespace is needed: vpcd listens on 0.0.0.0:35963)"
		return 1
	fi
	# One pcscd per machine: its socket is a fixed path.
	if [ -f /run/pcscd/pcscd.pid ] &&
		kill -0 "$(cat /run/pcscd/pcscd.pid)" 2>/dev/null; then
		piv_error="pcscd already runs (PID $(cat /run/pcscd/pcscd.pid)): stop it first, only one pcscd can run on a machine"
		return 1
	fi
	if command -v pgrep >/dev/null 2>&1 && p=$(pgrep -x pcscd); then
		piv_error="pcscd already runs (PID $(echo "$p" | tr '\n' ' ')): stop it first, only one pcscd can run on a machine"
		return 1
	fi
	return 0
}

# piv_card_run: starts the card in the namespace (it exits at once, with
# status 0, when vpcd does not listen yet: piv_start starts it again).
piv_card_run() {
	PYTHONPATH="$piv_dir/pyshim:$piv_vsc" nsenter -t "$piv_ns" -n \
		"$piv_python" "$top_srcdir/tests/piv/pivcard.py" \
		--state "$piv_dir/card.json" --log "$piv_dir/apdu.log" \
		>>"$piv_dir/card.log" 2>&1 &
	piv_card=$!
}

piv_start() {
	piv_dir=$1
	mkdir -p "$piv_dir/pyshim" || return 1
	ln -sfn "$piv_cryptodome" "$piv_dir/pyshim/Crypto"
	unshare -n sh -c 'ip link set lo up && exec sleep 600' &
	piv_ns=$!
	i=0
	until nsenter -t "$piv_ns" -n ip link show lo 2>/dev/null | grep -q UP; do
		i=$((i + 1))
		if [ $i -gt 50 ]; then
			piv_error="the network namespace did not come up"
			return 1
		fi
		sleep 0.1
	done
	nsenter -t "$piv_ns" -n "$piv_pcscd_bin" -f >"$piv_dir/pcscd.log" 2>&1 &
	piv_pcscd=$!
	# The card: started again while vpcd does not listen yet.  A loaded
	# machine (the whole suite under ASan) can take more than 10 s.
	i=0
	while [ $i -lt 300 ]; do
		if ! kill -0 "$piv_pcscd" 2>/dev/null; then
			piv_error="pcscd exited: $(tail -n 5 "$piv_dir/pcscd.log")"
			return 1
		fi
		if [ -z "$piv_card" ] || ! kill -0 "$piv_card" 2>/dev/null; then
			[ -n "$piv_card" ] && wait "$piv_card" 2>/dev/null
			[ -S /run/pcscd/pcscd.comm ] && piv_card_run
		elif opensc-tool -r 0 -a >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	piv_error="the card did not show in pcscd's reader within 30 s: $(tail -n 5 "$piv_dir/card.log" "$piv_dir/pcscd.log")"
	return 1
}

piv_genkey() {
	out="$piv_dir/genkey-$1.out"
	if ! opensc-tool -r 0 -s 00:A4:04:00:05:A0:00:00:03:08 \
		-s "00:47:00:$1:05:AC:03:80:01:$2:00" >"$out" 2>&1 ||
		! "$piv_python" "$top_srcdir/tests/piv/piv-pubkey.py" \
			<"$out" >"$3" 2>"$out.err"; then
		piv_error="key generation in slot $1 failed: $(tail -n 3 "$out" "$out.err")"
		return 1
	fi
}

piv_issue() {
	if ! UEMAIL=$5 openssl x509 -new \
		-subj "/O=Example Test Org/CN=${5%%@*}/emailAddress=$5" \
		-force_pubkey "$2" -CA "$1/int.crt" -CAkey "$1/int.key" \
		-set_serial "$4" -days 30 -sha256 -extfile "$1/openssl.cnf" \
		-extensions "$3" -out "$6" >"$piv_dir/issue.log" 2>&1; then
		piv_error="issuing a certificate for $2 failed: $(tail -n 3 "$piv_dir/issue.log")"
		return 1
	fi
}

# piv_id SLOT: the CKA_ID OpenSC gives the slot's key and certificate.
piv_id() {
	case $1 in
	9A | 9a) echo 01 ;;
	9C | 9c) echo 02 ;;
	9D | 9d) echo 03 ;;
	9E | 9e) echo 04 ;;
	esac
}

piv_write_cert() {
	# piv-tool exits non-zero even when it wrote the certificate: what
	# OpenSC reads back is what counts.
	piv-tool -r 0 -C "$1" -i "$2" >"$piv_dir/write-$1.log" 2>&1
	der="$piv_dir/read-$1.der"
	rm -f "$der"
	pkcs11-tool --module "$piv_module" --read-object --type cert \
		--id "$(piv_id "$1")" -o "$der" >>"$piv_dir/write-$1.log" 2>&1
	if ! openssl x509 -in "$2" -outform DER | cmp -s - "$der"; then
		piv_error="the certificate of slot $1 does not read back: $(tail -n 3 "$piv_dir/write-$1.log")"
		return 1
	fi
}

# piv_kill PID: TERM, 5 s to exit, then KILL; reaped.
piv_kill() {
	[ -n "$1" ] || return 0
	# Only a child of ours: a PID reaped long ago may be anyone's now.
	if ! tap_own_pid "$1" || ! kill -TERM "$1" 2>/dev/null; then
		wait "$1" 2>/dev/null
		return 0
	fi
	i=0
	while tap_own_pid "$1" && [ $i -lt 50 ] &&
		! grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	tap_own_pid "$1" && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

piv_stop() {
	piv_kill "$piv_card"
	piv_kill "$piv_pcscd"
	piv_kill "$piv_ns"
	piv_card=''
	piv_pcscd=''
	piv_ns=''
	return 0
}
